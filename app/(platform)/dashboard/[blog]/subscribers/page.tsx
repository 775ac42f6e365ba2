import Link from 'next/link';
import { mailEnabled } from '@/lib/mail/outbox';
import { dashboardBlog } from '@/lib/dashboard/access';
import { can } from '@/lib/members/roles';
import { listSubscribers, subscriberCounts, type SubscriberState } from '@/lib/newsletters/subscribers';
import { When } from '@/app/_components/dates';
import { ListTable } from '@/app/_components/list-table';
import { RowActions } from '@/app/_components/row-actions';
import { SubscriberImportForm } from './import-form';

export const metadata = { title: 'Subscribers · Quire' };

const STATES: { state: SubscriberState; label: string }[] = [
  { state: 'active', label: 'Subscribed' },
  { state: 'pending', label: 'Not confirmed yet' },
  { state: 'unsubscribed', label: 'Unsubscribed' },
  { state: 'bounced', label: 'Bounced' },
];

const STATE_NAMES: Record<SubscriberState, string> = {
  active: 'subscribed',
  pending: 'not confirmed',
  unsubscribed: 'unsubscribed',
  bounced: 'bounced',
};

export default async function SubscribersPage(props: { params: Promise<{ blog: string }>; searchParams: Promise<{ before?: string }> }) {
  const { blog, handle, role, settings } = await dashboardBlog((await props.params).blog, 'read-dashboard');
  const owner = can(role, 'manage-subscribers');
  const counts = subscriberCounts(handle);
  const asked = Number((await props.searchParams).before);
  const before = Number.isSafeInteger(asked) && asked > 0 ? asked : undefined;
  const page = owner ? listSubscribers(handle, { before }) : undefined;
  const base = `/dashboard/${blog.slug}/subscribers`;
  const api = `/api/blogs/${blog.slug}/subscribers`;

  return (
    <main className="page">
      <h1>Subscribers</h1>
      {!mailEnabled() && (
        <p className="pending-note">
          This server sends no mail yet, so readers cannot subscribe and no post is sent by mail. Once its operator sets{' '}
          <code>QUIRE_SMTP_URL</code>, a subscribe form appears on the blog. You can still import and export the list.
        </p>
      )}
      <dl className="totals">
        {STATES.map(({ state, label }) => (
          <div key={state}>
            <dt>{label}</dt>
            <dd>{counts[state].toLocaleString('en')}</dd>
          </div>
        ))}
      </dl>
      <p className="muted">
        Readers subscribe with the form on the blog and confirm by mail. The list is kept in the blog&rsquo;s own file and goes with its
        export.
      </p>

      {!page ? (
        <p>Only the blog&rsquo;s owners see the readers&rsquo; addresses.</p>
      ) : (
        <>
          <h2>Readers</h2>
          {page.rows.length === 0 ? (
            <p className="muted">{before ? 'There are no older readers.' : 'Nobody has subscribed yet.'}</p>
          ) : (
            <ListTable
              columns={[
                { label: 'Email' },
                { label: 'State' },
                { label: 'Since', wideOnly: true },
                { label: 'Confirmed', wideOnly: true },
                { label: 'Actions', unlabelled: true },
              ]}
            >
              {page.rows.map((row) => (
                <tr key={row.id}>
                  <td>
                    {row.email}
                    {row.name && <span className="muted"> · {row.name}</span>}
                  </td>
                  <td>
                    <span className="status">{STATE_NAMES[row.state]}</span>
                  </td>
                  <td className="wide-only">
                    <When date={row.createdAt} timeZone={settings.timeZone} />
                  </td>
                  <td className="wide-only">
                    <When date={row.confirmedAt} timeZone={settings.timeZone} />
                  </td>
                  <td>
                    <RowActions
                      url={`${api}/${row.id}`}
                      question={`Remove ${row.email} from the list?`}
                      deleteLabel="Remove"
                      askLabel="Remove"
                      askName={`Remove ${row.email}`}
                    />
                  </td>
                </tr>
              ))}
            </ListTable>
          )}
          {(before || page.older) && (
            <p className="button-row">
              {before && <Link href={base}>Newest</Link>}
              {page.older && <Link href={`${base}?before=${page.older}`}>Older readers</Link>}
            </p>
          )}

          <h2>Export</h2>
          <p className="muted">
            Every reader as CSV (email, name, state, created_at, confirmed_at), to keep or to take to another service.
          </p>
          <p>
            <a className="button" href={`${api}/export`} download>
              Download the list (CSV)
            </a>
          </p>

          <h2>Import</h2>
          <p className="muted">
            A subscriber export from Substack or Ghost, or a CSV with one address per line (10 MB and 200,000 readers at most). Readers come
            in as subscribed, without a confirmation mail: import only people who asked for your posts. Those who had unsubscribed there
            stay unsubscribed, and addresses already on the list keep their state here.
          </p>
          <SubscriberImportForm url={`${api}/import`} />
        </>
      )}
    </main>
  );
}
