-- The control plane on PostgreSQL (QUIRE_CONTROL_DATABASE_URL): the same tables and columns as
-- control.db after its migrations 0000–0006, queried by the same drizzle code
-- (docs/architecture.md, "The control plane"). Times are milliseconds since 1970 and booleans
-- 0/1, as in SQLite; ids that SQLite assigns when given NULL are filled by quire_fill_id.
-- lib/db/control-postgres.test.ts checks every table and column against control.db.

create function quire_fill_id() returns trigger language plpgsql as $$
begin
  if new.id is null then
    new.id := nextval(pg_get_serial_sequence(tg_table_schema || '.' || tg_table_name, 'id'));
  end if;
  return new;
end $$;

create table users (
  id bigserial primary key,
  email text not null unique,
  password_hash text not null,
  created_at bigint not null,
  disabled_at bigint,
  email_verified_at bigint,
  comment_mail integer not null default 1
);

create table blogs (
  id bigserial primary key,
  slug text not null unique,
  title text not null,
  status text not null default 'active' check (status in ('active', 'maintenance', 'deleted')),
  status_reason text,
  schema_version integer not null default 0,
  created_at bigint not null,
  deleted_at bigint,
  generation bigint not null default 0
);

create table blog_redirects (
  old_slug text primary key,
  blog_id bigint not null references blogs(id) on delete cascade,
  created_at bigint not null
);

create table blog_domains (
  domain text not null,
  blog_id bigint not null references blogs(id) on delete cascade,
  token text not null,
  verified_at bigint,
  is_primary integer not null default 0,
  created_at bigint not null,
  primary key (domain, blog_id)
);
create index blog_domains_blog on blog_domains (blog_id);
create unique index blog_domains_verified_domain on blog_domains (domain) where verified_at is not null;

create table sessions (
  id text primary key,
  secret_hash bytea not null,
  user_id bigint not null references users(id) on delete cascade,
  created_at bigint not null,
  expires_at bigint not null
);
create index sessions_user on sessions (user_id);

create table memberships (
  user_id bigint not null references users(id) on delete cascade,
  blog_id bigint not null references blogs(id) on delete cascade,
  role text not null check (role in ('owner', 'editor')),
  created_at bigint not null,
  primary key (user_id, blog_id)
);
create index memberships_blog on memberships (blog_id);

create table invites (
  id text primary key,
  secret_hash bytea not null,
  blog_id bigint not null references blogs(id) on delete cascade,
  role text not null check (role in ('owner', 'editor')),
  created_by bigint not null references users(id) on delete cascade,
  created_at bigint not null,
  expires_at bigint not null,
  used_at bigint,
  used_by bigint references users(id) on delete set null
);
create index invites_blog on invites (blog_id);

create table migration_runs (
  id bigserial primary key,
  target_version integer not null,
  started_at bigint not null,
  finished_at bigint
);

create table migration_ledger (
  run_id bigint not null references migration_runs(id) on delete cascade,
  slug text not null,
  from_version integer not null,
  to_version integer not null,
  status text not null,
  error text,
  snapshot text,
  finished_at bigint not null,
  primary key (run_id, slug)
);

create table account_tokens (
  id text primary key,
  secret_hash bytea not null,
  user_id bigint not null references users(id) on delete cascade,
  purpose text not null check (purpose in ('reset-password', 'verify-email', 'change-email')),
  email text not null,
  created_at bigint not null,
  expires_at bigint not null,
  used_at bigint
);
create index account_tokens_user on account_tokens (user_id);

create table comment_notices (
  user_id bigint not null references users(id) on delete cascade,
  blog_id bigint not null references blogs(id) on delete cascade,
  last_sent_at bigint,
  pending integer not null default 0,
  primary key (user_id, blog_id)
);

create table mail_messages (
  id bigserial primary key,
  kind text not null check (kind in ('account', 'invite', 'comments', 'subscribe', 'newsletter')),
  blog_id bigint references blogs(id) on delete cascade,
  post_id bigint,
  from_name text,
  reply_to text,
  subject text not null,
  text text not null,
  html text,
  created_at bigint not null
);
create index mail_messages_post on mail_messages (blog_id, post_id);

create table mail_outbox (
  id bigserial primary key,
  message_id bigint not null references mail_messages(id) on delete cascade,
  to_address text not null,
  unsubscribe_url text,
  subscriber_id bigint,
  state text not null default 'queued' check (state in ('queued', 'sent', 'failed')),
  attempts integer not null default 0,
  not_before bigint not null,
  last_error text,
  sent_at bigint
);
create index mail_outbox_due on mail_outbox (state, not_before);
create index mail_outbox_message on mail_outbox (message_id, state);

create trigger users_fill_id before insert on users for each row execute function quire_fill_id();
create trigger blogs_fill_id before insert on blogs for each row execute function quire_fill_id();
create trigger migration_runs_fill_id before insert on migration_runs for each row execute function quire_fill_id();
create trigger mail_messages_fill_id before insert on mail_messages for each row execute function quire_fill_id();
create trigger mail_outbox_fill_id before insert on mail_outbox for each row execute function quire_fill_id();

-- Every node keeps the blog registry in memory (lib/registry); a change to what it holds is
-- announced on this channel when the transaction commits: a page-cache generation moving (the
-- common case, one entry updated in place) or anything else (the registry is read again).
create function quire_registry_changed() returns trigger language plpgsql as $$
begin
  perform pg_notify('quire_registry', 'reload');
  return null;
end $$;
create function quire_blog_changed() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE' and (new.slug, new.status, new.id) is not distinct from (old.slug, old.status, old.id) then
    if new.generation is distinct from old.generation then
      perform pg_notify('quire_registry', 'generation ' || new.generation || ' ' || new.slug);
    end if;
  else
    perform pg_notify('quire_registry', 'reload');
  end if;
  return null;
end $$;
create trigger blogs_registry after insert or update or delete on blogs for each row execute function quire_blog_changed();
create trigger blog_domains_registry after insert or update or delete on blog_domains for each statement execute function quire_registry_changed();
create trigger blog_redirects_registry after insert or update or delete on blog_redirects for each statement execute function quire_registry_changed();
