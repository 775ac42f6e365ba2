import Link from 'next/link';
import { dashboardBlog } from '@/lib/dashboard/access';
import { Field, JsonForm } from '@/app/_components/form';
import { OwnerOnly } from '@/app/_components/owner-only';
import { ImportForm } from '@/app/_components/upload';
import { When } from '@/app/_components/dates';
import { listSnapshots } from '@/lib/snapshots/snapshots';
import { RestoreButton } from './restore-button';
import { CustomDomains } from './domains';
import { config } from '@/lib/config';
import { LOW_ON_DISK_SPACE, diskSpace } from '@/lib/disk/space';
import { claimExpiresAt, customDomainUrl, listDomains } from '@/lib/domains/domains';
import { challengeName } from '@/lib/domains/verify';
import { timeZoneNames } from '@/lib/time/zone';
import { EMAIL_MAX } from '@/lib/input/email';
import { AUTHOR_NAME_MAX, BLOG_DESCRIPTION_MAX, BLOG_TITLE_MAX } from '@/lib/input/lengths';

export const metadata = { title: 'Settings · Quire' };

export default async function SettingsPage({ params }: { params: Promise<{ blog: string }> }) {
  const { blog, settings, allowed } = await dashboardBlog((await params).blog, 'change-settings');
  if (!allowed) return <OwnerOnly what="change its settings" />;
  const snapshots = listSnapshots(blog.slug);
  const domains = await listDomains(blog);
  const lowOnSpace = diskSpace().low;
  return (
    <main className="page">
      <h1>Settings</h1>
      <JsonForm action={`/api/blogs/${blog.slug}/settings`} method="PUT" submitLabel="Save settings" successMessage="Settings saved.">
        <Field label="Title" name="title" defaultValue={settings.title} maxLength={BLOG_TITLE_MAX} required />
        <label className="field">
          <span>Description</span>
          <textarea name="description" defaultValue={settings.description} maxLength={BLOG_DESCRIPTION_MAX} rows={3} />
        </label>
        <Field
          label="Author name"
          name="authorName"
          defaultValue={settings.authorName}
          maxLength={AUTHOR_NAME_MAX}
          hint="Shown under each post."
        />
        <Field label="Posts per page" name="postsPerPage" type="number" defaultValue={settings.postsPerPage} />
        <label className="field">
          <span>Comments</span>
          <select name="comments" defaultValue={settings.comments}>
            <option value="moderated">Readers may comment; comments appear once approved</option>
            <option value="auto">Readers may comment; comments appear at once</option>
            <option value="off">Off: no new comments (approved ones stay)</option>
          </select>
        </label>
        <div className="field">
          <label htmlFor="time-zone">Time zone</label>
          <select id="time-zone" name="timeZone" defaultValue={settings.timeZone} aria-describedby="time-zone-hint">
            {timeZoneNames().map((zone) => (
              <option key={zone} value={zone}>
                {zone.replaceAll('_', ' ')}
              </option>
            ))}
          </select>
          <small id="time-zone-hint">The dashboard shows times in this zone, and a post scheduled for 9:00 comes out at 9:00 here.</small>
        </div>
        <Field
          label="Reply-to address for newsletters"
          name="newsletterReplyTo"
          type="email"
          defaultValue={settings.newsletterReplyTo}
          maxLength={EMAIL_MAX}
          autoComplete="email"
          hint="Readers who answer a newsletter write to this address. Leave it empty to take no replies."
        />
      </JsonForm>

      <section id="domains">
        <h2>Custom domains</h2>
        <p>
          Readers find this blog at its Quire address; it can also live on a domain of your own. Once verified, the first domain becomes the
          blog&rsquo;s address: the Quire address redirects there, and feeds and links use it.
        </p>
        <CustomDomains
          blog={blog.slug}
          rootHostname={config().rootHostname}
          timeZone={settings.timeZone}
          domains={domains.map((d) => ({
            domain: d.domain,
            token: d.token,
            challenge: challengeName(d.domain),
            verified: d.verifiedAt !== null,
            isPrimary: d.isPrimary,
            url: customDomainUrl(d.domain),
            expiresAt: claimExpiresAt(d)?.toISOString() ?? null,
          }))}
        />
      </section>

      <section>
        <h2>Your blog&rsquo;s data</h2>
        <p>
          Your blog is one SQLite file. Download it whole &mdash; posts, pages, images, stats and settings &mdash; and open it in any SQLite
          tool, or bring it back here or to any Quire server.
        </p>
        {/* A download refused for want of room would only show the browser's "Failed": say why here. */}
        {lowOnSpace ? (
          <p className="error">{LOW_ON_DISK_SPACE}</p>
        ) : (
          <p className="button-row">
            <a className="button primary" href={`/api/blogs/${blog.slug}/export`} download>
              Download blog file (.db)
            </a>
            <a className="button" href={`/api/blogs/${blog.slug}/export/markdown`} download>
              Download as Markdown (.zip)
            </a>
          </p>
        )}
        <h3>Import from another platform</h3>
        <p>
          <Link href={`/dashboard/import?into=${encodeURIComponent(blog.slug)}`}>
            Import posts from WordPress, Ghost, Substack or Markdown into this blog
          </Link>
          : they are added beside its own posts, with their dates, tags, comments and images.
        </p>
        <h3>Replace this blog from a file</h3>
        <ImportForm
          url={`/api/blogs/${blog.slug}/import`}
          submitLabel="Import and replace"
          confirm="Replace everything on this blog with the file? The current blog is kept as a snapshot you can restore."
        />
        {snapshots.length > 0 && (
          <>
            <h3>Snapshots</h3>
            <ul className="plain snapshots">
              {snapshots.map((snapshot) => (
                <li key={snapshot.name}>
                  <When date={snapshot.createdAt} timeZone={settings.timeZone} /> &middot; {snapshot.name.replace(/-\d{4}-.*$/, '')}{' '}
                  &middot; {(snapshot.size / 1024).toFixed(0)} KB <RestoreButton blog={blog.slug} name={snapshot.name} />
                </li>
              ))}
            </ul>
          </>
        )}
      </section>

      <section className="danger-zone">
        <h2>Delete this blog</h2>
        <p>
          The blog disappears from <strong>{blog.slug}</strong> at once and its address becomes free. Its file is kept in the server&rsquo;s
          trash, where an operator can restore it.
        </p>
        <JsonForm action={`/api/blogs/${blog.slug}`} method="DELETE" submitLabel="Delete blog" danger>
          <Field label={`Type "${blog.slug}" to confirm`} name="confirm" autoComplete="off" />
        </JsonForm>
      </section>
    </main>
  );
}
