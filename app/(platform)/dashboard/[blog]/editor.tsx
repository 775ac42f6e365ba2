'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState } from 'react';
import { sendJson } from '@/app/_components/json';
import { uploadFile } from '@/app/_components/upload';
import { slugify } from '@/lib/posts/slug';
import { FormMessages } from '@/app/_components/messages';
import { CoverChooser, type ChosenCover } from './cover-chooser';

export type EditorDocument = {
  id?: number;
  title: string;
  slug: string;
  markdown: string;
  excerpt?: string;
  /** Comma-separated tag names (posts only). */
  tags?: string;
  status: 'draft' | 'published' | 'scheduled';
  publishedAt?: number | null;
  updatedAt?: number;
  navOrder?: number;
  views?: number;
  /** The post's cover image (posts only). */
  cover?: ChosenCover | null;
};

type Action = 'save' | 'publish' | 'schedule' | 'unpublish';

/**
 * The writing screen for posts and pages: Markdown on the left, the live preview (rendered by
 * the server with the publishing pipeline) on the right. Unsaved text is guarded against
 * leaving the page; a refused save keeps every character in place.
 */
export function Editor(props: { blog: string; kind: 'post' | 'page'; initial: EditorDocument; publicUrl: string }) {
  const router = useRouter();
  const { blog, kind, initial } = props;
  const [title, setTitle] = useState(initial.title);
  const [slug, setSlug] = useState(initial.slug);
  const [slugEdited, setSlugEdited] = useState(Boolean(initial.id));
  const [markdown, setMarkdown] = useState(initial.markdown);
  const [excerpt, setExcerpt] = useState(initial.excerpt ?? '');
  const [tags, setTags] = useState(initial.tags ?? '');
  const [navOrder, setNavOrder] = useState(initial.navOrder ?? 0);
  const [scheduleAt, setScheduleAt] = useState(toLocalInput(initial.status === 'scheduled' ? initial.publishedAt : null));
  const [dirty, setDirty] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [preview, setPreview] = useState<string>('');
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const updatedAt = useRef(initial.updatedAt);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const [uploading, setUploading] = useState<string | null>(null);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const [cover, setCover] = useState<ChosenCover | null>(initial.cover ?? null);
  const [docId, setDocId] = useState(initial.id);
  const [status, setStatus] = useState(initial.status);

  const address = slugEdited ? slug : slugify(title);
  const collection = kind === 'post' ? 'posts' : 'pages';
  const base = `/api/blogs/${blog}/${collection}`;

  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>;
    // One preview is made at a time per person: while one is still being made (429), ask again shortly.
    const ask = (delay: number) => {
      timer = setTimeout(async () => {
        const result = await sendJson<{ html: string }>(`/api/blogs/${blog}/preview`, 'POST', { markdown });
        if (result.ok) {
          setPreview(result.data.html);
          setPreviewError(null);
        } else if (result.status === 429) ask(500);
        else setPreviewError(result.error);
      }, delay);
    };
    ask(300);
    return () => clearTimeout(timer);
  }, [markdown, blog]);

  const edit = <T,>(set: (value: T) => void) => (value: T) => {
    set(value);
    setDirty(true);
    setNotice(null);
  };
  /** Changes the Markdown from what it is now, not from when an upload began. */
  const editMarkdown = (change: (current: string) => string) => {
    setMarkdown(change);
    setDirty(true);
    setNotice(null);
  };

  async function save(action: Action) {
    setPending(true);
    setError(null);
    setNotice(null);
    const body = {
      title,
      slug: address,
      markdown,
      action,
      expectedUpdatedAt: updatedAt.current,
      ...(kind === 'post' ? { excerpt, tags, coverMediaId: cover?.id ?? null } : { navOrder }),
      ...(action === 'schedule' ? { publishAt: scheduleAt ? new Date(scheduleAt).toISOString() : undefined } : {}),
    };
    type Saved = { id: number; updatedAt: number; status: EditorDocument['status'] };
    const result = await sendJson<{ post?: Saved; page?: Saved }>(
      docId ? `${base}/${docId}` : base,
      docId ? 'PUT' : 'POST',
      body,
    );
    setPending(false);
    if (!result.ok) return setError(result.error);
    const saved = (result.data.post ?? result.data.page)!;
    updatedAt.current = saved.updatedAt;
    setStatus(saved.status);
    // Once saved, the address stays put: links to it may already be out there.
    setSlug(address);
    setSlugEdited(true);
    setDirty(false);
    setNotice(MESSAGES[action]);
    if (!docId) {
      setDocId(saved.id);
      // The address of the saved document, without a navigation that would reset the editor.
      window.history.replaceState(null, '', `/dashboard/${blog}/${collection}/${saved.id}`);
    }
  }

  /**
   * Uploads images (picked, dropped or pasted) into the blog's file, one after the other. A
   * placeholder goes where the cursor is at once, so typing may go on; each becomes the
   * image's Markdown when its upload is done, or goes away if it is refused.
   */
  async function insertImages(files: File[]) {
    if (files.length === 0) return;
    setUploadError(null);
    const placeholders = files.map((file) => `![Uploading ${file.name}…]()`);
    const inserted = placeholders.join('\n');
    const el = textarea.current;
    const start = el?.selectionStart ?? markdown.length;
    const end = el?.selectionEnd ?? start;
    editMarkdown((current) => `${current.slice(0, start)}${inserted}${current.slice(end)}`);
    requestAnimationFrame(() => el?.setSelectionRange(start + inserted.length, start + inserted.length));
    for (const [index, file] of files.entries()) {
      setUploading(`Uploading ${file.name}…`);
      const result = await uploadFile(`/api/blogs/${blog}/media?filename=${encodeURIComponent(file.name)}`, file, (f) =>
        setUploading(f < 1 ? `Uploading ${file.name}… ${Math.round(f * 100)}%` : `Preparing ${file.name}…`),
      );
      const snippet = result.ok ? `![${file.name.replace(/\.[^.]+$/, '').replace(/[[\]]/g, '')}](${String(result.data.path)})` : '';
      if (!result.ok) setUploadError(`${file.name}: ${result.error}`);
      editMarkdown((current) => current.replace(placeholders[index]!, () => snippet));
    }
    setUploading(null);
  }

  const droppedFiles = (data: DataTransfer | null) => [...(data?.files ?? [])];

  async function remove() {
    setPending(true);
    const result = await sendJson(`${base}/${docId}`, 'DELETE', {});
    setPending(false);
    if (!result.ok) return setError(result.error);
    setDirty(false);
    router.push(kind === 'post' ? `/dashboard/${blog}` : `/dashboard/${blog}/pages`);
    router.refresh();
  }

  const live = status !== 'draft';
  return (
    <div className="editor">
      <div className="editor-fields">
        <label className="field">
          <span>Title</span>
          <input value={title} onChange={(e) => edit(setTitle)(e.target.value)} maxLength={200} className="title-input" />
        </label>
        <label className="field">
          <span>Address</span>
          <span className="with-prefix">
            <span className="prefix">{props.publicUrl}/</span>
            <input
              value={address}
              onChange={(e) => {
                setSlugEdited(true);
                edit(setSlug)(e.target.value.toLowerCase());
              }}
              maxLength={100}
              aria-label="Address"
            />
          </span>
        </label>
        <div className="panes">
          <div className="pane">
            <label className="field">
              <span>Markdown</span>
              <textarea
                ref={textarea}
                value={markdown}
                onChange={(e) => edit(setMarkdown)(e.target.value)}
                onPaste={(e) => {
                  const files = droppedFiles(e.clipboardData);
                  if (files.length === 0) return; // ordinary text
                  e.preventDefault();
                  void insertImages(files);
                }}
                onDragOver={(e) => {
                  if (e.dataTransfer.types.includes('Files')) e.preventDefault();
                }}
                onDrop={(e) => {
                  const files = droppedFiles(e.dataTransfer);
                  if (files.length === 0) return;
                  e.preventDefault();
                  void insertImages(files);
                }}
                rows={24}
                spellCheck
              />
            </label>
            <label className="insert-image">
              <input
                type="file"
                multiple
                accept="image/png,image/jpeg,image/gif,image/webp"
                aria-label="Insert images"
                onChange={(e) => {
                  const files = [...(e.target.files ?? [])];
                  e.target.value = '';
                  void insertImages(files);
                }}
              />
              <span className="button">Insert image…</span>{' '}
              {uploading ? (
                <span className="muted" role="status">
                  {uploading}
                </span>
              ) : (
                <span className="muted small">or drop or paste images into the text</span>
              )}
            </label>
            {uploadError && (
              <p className="error" role="alert">
                {uploadError}
              </p>
            )}
          </div>
          <section className="pane" aria-label="Preview">
            <span className="pane-label">Preview</span>
            {/* Rendered and sanitized by the server, exactly as it will be published. */}
            {previewError && (
              <p className="error" role="status">
                {previewError}
              </p>
            )}
            <div className="prose preview" dangerouslySetInnerHTML={{ __html: preview }} />
          </section>
        </div>
        {kind === 'post' && (
          <label className="field">
            <span>Tags</span>
            <input value={tags} onChange={(e) => edit(setTags)(e.target.value)} maxLength={2000} placeholder="travel, food" />
          </label>
        )}
        {kind === 'post' ? (
          <label className="field">
            <span>Excerpt</span>
            <textarea value={excerpt} onChange={(e) => edit(setExcerpt)(e.target.value)} rows={2} maxLength={500} />
            <small>Shown in the list of posts. Left empty, the start of the post is used.</small>
          </label>
        ) : (
          <label className="field narrow">
            <span>Position in the navigation</span>
            <input type="number" min={0} max={1000} value={navOrder} onChange={(e) => edit(setNavOrder)(Number(e.target.value))} />
          </label>
        )}
      </div>

      <aside className="editor-actions" aria-label="Publishing">
        <p>
          Status: <span className={`status status-${status}`}>{status}</span>
          {initial.views !== undefined && <span className="muted"> · {initial.views.toLocaleString('en')} views</span>}
        </p>
        {dirty && <p className="muted">Unsaved changes</p>}
        <FormMessages error={error} notice={notice} />
        <div className="button-row">
          <button type="button" onClick={() => save('save')} disabled={pending}>
            {live ? 'Save' : 'Save draft'}
          </button>
          <button type="button" className="primary" onClick={() => save('publish')} disabled={pending}>
            {status === 'published' ? 'Update' : 'Publish now'}
          </button>
          {live && (
            <button type="button" onClick={() => save('unpublish')} disabled={pending}>
              Unpublish
            </button>
          )}
        </div>
        {kind === 'post' && (
          <CoverChooser
            blog={blog}
            cover={cover}
            onChange={(chosen) => {
              setCover(chosen);
              setDirty(true);
              setNotice(null);
            }}
          />
        )}
        {kind === 'post' && (
          <div className="schedule">
            <label className="field">
              <span>Publish later (your local time)</span>
              <input type="datetime-local" value={scheduleAt} onChange={(e) => setScheduleAt(e.target.value)} />
            </label>
            <button type="button" onClick={() => save('schedule')} disabled={pending || !scheduleAt}>
              Schedule
            </button>
          </div>
        )}
        {docId &&
          (confirmDelete ? (
            <div className="confirm" role="alertdialog" aria-label="Confirm deletion">
              <p>Delete this {kind}? This cannot be undone.</p>
              <button type="button" className="danger" onClick={remove} disabled={pending}>
                Delete {kind}
              </button>
              <button type="button" onClick={() => setConfirmDelete(false)}>
                Cancel
              </button>
            </div>
          ) : (
            <button type="button" className="link danger-link" onClick={() => setConfirmDelete(true)}>
              Delete…
            </button>
          ))}
      </aside>
    </div>
  );
}

const MESSAGES: Record<Action, string> = {
  save: 'Saved.',
  publish: 'Published.',
  schedule: 'Scheduled.',
  unpublish: 'Unpublished: readers no longer see it.',
};

/** A stored time as the value of a datetime-local input, in the browser's time zone. */
function toLocalInput(ms: number | null | undefined): string {
  if (!ms) return '';
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}
