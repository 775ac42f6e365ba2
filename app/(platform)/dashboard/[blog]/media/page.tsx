import Link from 'next/link';
import { When } from '@/app/_components/dates';
import { dashboardBlog } from '@/lib/dashboard/access';
import { listMedia, type MediaUse } from '@/lib/media/media';
import { MediaDescription } from '../media-description';
import { MediaActions, MediaUpload } from './media-actions';
import { ListTable } from '@/app/_components/list-table';

export const metadata = { title: 'Media · Quire' };

export default async function MediaPage({ params }: { params: Promise<{ blog: string }> }) {
  const { blog, handle, settings } = await dashboardBlog((await params).blog, 'write-posts');
  const items = listMedia(handle);
  return (
    <main className="page">
      <div className="page-head">
        <h1>Media</h1>
        <MediaUpload blog={blog.slug} />
      </div>
      <p className="muted">
        Images live inside your blog&rsquo;s file, without their camera data (location included). An image can be deleted once no post or
        page uses it.
      </p>
      <p className="muted">
        A description says what an image shows, for readers who cannot see it: it is the image&rsquo;s alt text when it is a post&rsquo;s
        cover, and the editor puts it in the text when you describe an image you insert.
      </p>
      {items.length === 0 ? (
        <p>No images yet. Upload one here, or drop one into a post as you write.</p>
      ) : (
        <ListTable
          className="media-list"
          columns={[
            { label: 'Image' },
            { label: 'Name' },
            { label: 'Description' },
            { label: 'Uploaded', wideOnly: true },
            { label: 'Used in' },
            { label: 'Actions', unlabelled: true },
          ]}
        >
          {items.map((item) => (
            <tr key={item.id}>
              <td>
                {/* eslint-disable-next-line @next/next/no-img-element -- served by the blog's host */}
                <img className="media-thumb" src={item.thumbnailUrl} alt={item.filename} loading="lazy" />
              </td>
              <td>
                {item.filename}
                <br />
                <span className="muted small">
                  {item.width && item.height ? `${item.width} × ${item.height} px · ` : ''}
                  {formatSize(item.size)}
                </span>
              </td>
              <td>
                <MediaDescription blog={blog.slug} id={item.id} filename={item.filename} alt={item.alt} />
              </td>
              <td className="wide-only">
                <When date={item.createdAt} timeZone={settings.timeZone} />
              </td>
              <td>{item.uses.length === 0 ? <span className="muted">Not used</span> : <UsedIn blog={blog.slug} uses={item.uses} />}</td>
              <td>
                <MediaActions blog={blog.slug} id={item.id} filename={item.filename} url={item.url} used={item.uses.length > 0} />
              </td>
            </tr>
          ))}
        </ListTable>
      )}
    </main>
  );
}

function UsedIn({ blog, uses }: { blog: string; uses: MediaUse[] }) {
  return (
    <ul className="plain small">
      {uses.map((use) => (
        <li key={`${use.kind}-${use.id}`}>
          {use.kind === 'cover' && 'Cover of '}
          <Link href={`/dashboard/${blog}/${use.kind === 'page' ? 'pages' : 'posts'}/${use.id}`}>{use.title}</Link>
        </li>
      ))}
    </ul>
  );
}

function formatSize(bytes: number): string {
  return bytes < 1024 * 1024 ? `${Math.max(1, Math.round(bytes / 1024))} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
