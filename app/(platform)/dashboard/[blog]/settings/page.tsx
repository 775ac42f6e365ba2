import { dashboardBlog } from '@/lib/dashboard/access';
import { Field, JsonForm } from '@/app/_components/form';
import { OwnerOnly } from '@/app/_components/owner-only';

export const metadata = { title: 'Settings · Quire' };

export default async function SettingsPage({ params }: { params: Promise<{ blog: string }> }) {
  const { blog, settings, allowed } = await dashboardBlog((await params).blog, 'change-settings');
  if (!allowed) return <OwnerOnly what="change its settings" />;
  return (
    <main className="page">
      <h1>Settings</h1>
      <JsonForm action={`/api/blogs/${blog.slug}/settings`} method="PUT" submitLabel="Save settings" successMessage="Settings saved.">
        <Field label="Title" name="title" defaultValue={settings.title} maxLength={120} required />
        <label className="field">
          <span>Description</span>
          <textarea name="description" defaultValue={settings.description} maxLength={500} rows={3} />
        </label>
        <Field label="Author name" name="authorName" defaultValue={settings.authorName} maxLength={100} hint="Shown under each post." />
        <Field label="Posts per page" name="postsPerPage" type="number" defaultValue={settings.postsPerPage} />
      </JsonForm>

      <section className="danger-zone">
        <h2>Delete this blog</h2>
        <p>
          The blog disappears from <strong>{blog.slug}</strong> at once and its address becomes free. Its file is kept in
          the server&rsquo;s trash, where an operator can restore it.
        </p>
        <JsonForm action={`/api/blogs/${blog.slug}`} method="DELETE" submitLabel="Delete blog" danger>
          <Field label={`Type "${blog.slug}" to confirm`} name="confirm" autoComplete="off" />
        </JsonForm>
      </section>
    </main>
  );
}
