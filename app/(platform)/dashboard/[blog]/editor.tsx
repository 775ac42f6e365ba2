'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useEffectEvent, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { sendJson } from '@/app/_components/json';
import { INSUFFICIENT_STORAGE } from '@/lib/http/errors';
import { uploadFile } from '@/app/_components/upload';
import { altFromFilename, markdownAlt, withImageAlt } from '@/lib/media/alt';
import type { SendingView } from '@/lib/newsletters/sending-state';
import type { PostAction } from '@/lib/posts/posts';
import { slugify } from '@/lib/posts/slug';
import { ADDRESS_MOVE_NOTICE } from '@/lib/posts/status';
import { HintedField } from '@/app/_components/form';
import { FormMessages } from '@/app/_components/messages';
import { CoverChooser, type ChosenCover } from './cover-chooser';
import { DescribeImages, type UploadedImage } from './describe-images';
import { EditorHistory, type RevisionContent } from './editor-history';
import { useLeaveGuard } from './leave-guard';
import { forgetLocalDraft, keepLocalDraft, localDraftKey, readLocalDraft, type EditorFields, type KeptDraft } from './local-draft';
import { MAIL_OFF_NOTE, NewsletterPanel, emailToSubscribers, subscribersLabel, type NewsletterInfo } from './newsletter-panel';
import { PreviewLink } from './preview-link';
import { formatTime, toInstant, toLocalDateTime } from '@/lib/time/zone';
import { POST_EXCERPT_MAX, POST_SLUG_MAX, POST_TITLE_MAX, TAGS_TEXT_MAX } from '@/lib/input/lengths';

/** The words of a post (what a revision holds), tags comma-separated. */
export type EditorText = Pick<EditorFields, 'title' | 'markdown' | 'excerpt' | 'tags'>;

export type EditorDocument = {
  id?: number;
  title: string;
  slug: string;
  markdown: string;
  /** The author's own excerpt (posts only). */
  excerpt?: string;
  /** The excerpt made from the saved text: the Excerpt field's placeholder (posts only). */
  autoExcerpt?: string;
  /** Comma-separated tag names (posts only). */
  tags?: string;
  status: 'draft' | 'published' | 'scheduled';
  publishedAt?: number | null;
  /** The version the server holds (lib/posts `postVersion`), sent back with each save. */
  updatedAt?: number;
  navOrder?: number;
  views?: number;
  /** The post's cover image (posts only). */
  cover?: ChosenCover | null;
  /** A live post's pending edit is what the fields above hold; `live` is what readers see. */
  hasPendingChanges?: boolean;
  live?: EditorText;
};

/** Autosave waits this long after the last change… */
const AUTOSAVE_DELAY_MS = 2_000;
/** …and, while the server cannot be reached or has no room, tries again this often (and as soon as the browser is back online). */
const RETRY_DELAY_MS = 15_000;

type SaveState =
  | { kind: 'idle' }
  | { kind: 'saving' }
  | { kind: 'saved' }
  | { kind: 'offline' }
  /** The server's disk is full (507): the text stays here, and saving is tried again. */
  | { kind: 'no-room'; reason: string }
  | { kind: 'failed'; reason: string }
  /** Saved elsewhere since this editor loaded: autosave stops, so nothing is overwritten. */
  | { kind: 'conflict'; reason: string };

type SaveReply = { id: number; slug: string; status: EditorDocument['status']; updatedAt: number; hasPendingChanges?: boolean };

/**
 * The writing screen for posts and pages: Markdown on the left, the live preview (rendered by
 * the server with the publishing pipeline) on the right. Nothing typed is lost: drafts save
 * themselves while the author types (one request at a time), every change is also kept in
 * this browser until the server has it, and leaving with unsaved changes asks first. On a
 * live post, saving keeps the edit aside (its pending revision) until "Publish changes".
 */
export function Editor(props: {
  blog: string;
  kind: 'post' | 'page';
  initial: EditorDocument;
  publicUrl: string;
  timeZone: string;
  /** Posts only: whether mail works, to how many readers, and the post's newsletter so far. */
  newsletter?: NewsletterInfo;
}) {
  const router = useRouter();
  const { blog, kind, initial } = props;
  const isPost = kind === 'post';
  const [title, setTitle] = useState(initial.title);
  const [slug, setSlug] = useState(initial.slug);
  const [slugEdited, setSlugEdited] = useState(Boolean(initial.id));
  const [markdown, setMarkdown] = useState(initial.markdown);
  const [excerpt, setExcerpt] = useState(initial.excerpt ?? '');
  const [tags, setTags] = useState(initial.tags ?? '');
  const [navOrder, setNavOrder] = useState(initial.navOrder ?? 0);
  const [cover, setCover] = useState<ChosenCover | null>(initial.cover ?? null);
  // "Publish later" is read in the blog's time zone, not the browser's (lib/time/zone.ts).
  const [scheduleAt, setScheduleAt] = useState(
    initial.status === 'scheduled' && initial.publishedAt ? toLocalDateTime(initial.publishedAt, props.timeZone) : '',
  );
  const [docId, setDocId] = useState(initial.id);
  const [status, setStatus] = useState(initial.status);
  const [hasPending, setHasPending] = useState(Boolean(initial.hasPendingChanges));
  /** What the server holds for this editor: the document, or a live post's pending edit. */
  const [saved, setSaved] = useState<EditorFields>(() => fieldsOf(initial));
  const [saveState, setSaveState] = useState<SaveState>({ kind: 'idle' });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [preview, setPreview] = useState<string>('');
  const [previewError, setPreviewError] = useState<string | null>(null);
  const [autoExcerpt, setAutoExcerpt] = useState(initial.autoExcerpt ?? '');
  const [confirming, setConfirming] = useState<'delete' | 'discard' | null>(null);
  /** "Email this post to N subscribers" beside "Publish now": unticked unless the author ticks it. */
  const [emailOnPublish, setEmailOnPublish] = useState(false);
  const [sendingState, setSendingState] = useState<SendingView | null>(props.newsletter?.state ?? null);
  const [uploading, setUploading] = useState<string | null>(null);
  const [uploadError, setUploadError] = useState<string | null>(null);
  /** Images inserted by this editor whose description it asks for, oldest first. */
  const [toDescribe, setToDescribe] = useState<UploadedImage[]>([]);
  /** One was just described or skipped: when none is left, focus goes back to the text. */
  const describedLast = useRef(false);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const previewPane = useRef<HTMLDivElement>(null);
  const version = useRef(initial.updatedAt);
  /** What readers see of a live post: what "Discard changes" brings back. */
  const liveText = useRef<EditorText>(initial.live ?? textOf(fieldsOf(initial)));
  /** Saves run one after the other, each sending the version the one before got back. */
  const queue = useRef<Promise<void>>(Promise.resolve());

  const address = slugEdited ? slug : slugify(title);
  const collection = isPost ? 'posts' : 'pages';
  const base = `/api/blogs/${blog}/${collection}`;
  const fields = useMemo<EditorFields>(
    () => ({ title, slug: address, markdown, excerpt, tags, navOrder, cover }),
    [title, address, markdown, excerpt, tags, navOrder, cover],
  );
  const live = status !== 'draft';
  /** A save of a live post keeps the edit aside: its address and cover wait for "Publish changes". */
  const staging = isPost && live;
  const dirty = !sameFields(fields, saved);
  const textDirty = staging ? !sameText(fields, saved) : dirty;
  // A published page has no pending version: saving it publishes, so it is never done unasked.
  const autosaves =
    (isPost || !live) && saveState.kind !== 'conflict' && (docId !== undefined || (title.trim() !== '' && markdown.trim() !== ''));
  const autosaveDue = autosaves && textDirty;
  const guard = useLeaveGuard(dirty || saveState.kind === 'saving');

  // ── Text kept in this browser ──
  const draftKey = localDraftKey(blog, kind, docId);
  const isClient = useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
  /** Text this browser kept from an earlier visit, newer than the server's: offered back once. */
  const [kept, setKept] = useState<KeptDraft | null>(() =>
    typeof window === 'undefined' ? null : worthOffering(readLocalDraft(localDraftKey(blog, kind, initial.id)), initial),
  );

  useEffect(() => {
    if (dirty) keepLocalDraft(draftKey, fields, version.current);
    // Saved: forgotten, unless an older text waits to be offered.
    else if (!kept) forgetLocalDraft(draftKey);
  }, [draftKey, dirty, fields, kept]);

  function restoreKept() {
    if (!kept) return;
    const text = kept.fields;
    setTitle(text.title);
    setSlug(text.slug);
    setSlugEdited(true);
    setMarkdown(text.markdown);
    setExcerpt(text.excerpt);
    setTags(text.tags);
    setNavOrder(text.navOrder);
    setCover(text.cover);
    setKept(null);
    setNotice(null);
  }

  function discardKept() {
    forgetLocalDraft(draftKey);
    setKept(null);
  }

  // ── Saving ──
  /** The latest of everything a save reads, for saves that run after others finish. */
  const latest = useRef({ fields, docId, status, saved, slugEdited, scheduleAt, autosaveDue, emailOnPublish });
  /** Queued saves waiting for the next render to reach the screen (see `enqueue`). */
  const waitingForRender = useRef<Array<() => void>>([]);
  const [, rerender] = useState(0);
  useEffect(() => {
    latest.current = { fields, docId, status, saved, slugEdited, scheduleAt, autosaveDue, emailOnPublish };
    for (const resume of waitingForRender.current.splice(0)) resume();
  });

  /**
   * Saves run one after the other, each once React has rendered what the one before changed: it
   * reads the document's id, status and saved text from then, not from when it was queued (an
   * autosave that fell due while "Publish now" was on its way created the post a second time).
   */
  function enqueue(task: () => Promise<void>): Promise<void> {
    const run = queue.current.then(rendered).then(task);
    queue.current = run.catch(() => undefined);
    return run;
  }

  function rendered(): Promise<void> {
    return new Promise((resolve) => {
      waitingForRender.current.push(resolve);
      rerender((n) => n + 1);
    });
  }

  async function request(action: PostAction, auto: boolean): Promise<void> {
    const { fields: sent, docId: id, status: before, saved: savedBefore, scheduleAt: when } = latest.current;
    const staged = isPost && before !== 'draft' && action === 'save';
    setSaveState({ kind: 'saving' });
    if (!auto) {
      setBusy(true);
      setError(null);
      setNotice(null);
    }
    const body =
      action === 'discard-changes'
        ? { action, expectedUpdatedAt: version.current }
        : {
            title: sent.title,
            slug: sent.slug,
            markdown: sent.markdown,
            action,
            expectedUpdatedAt: version.current,
            ...(isPost
              ? { excerpt: sent.excerpt, tags: sent.tags, coverMediaId: sent.cover?.id ?? null, ...(auto ? { autosave: true } : {}) }
              : { navOrder: sent.navOrder }),
            ...(action === 'schedule' ? { publishAt: when ? toInstant(when, props.timeZone)?.toISOString() : undefined } : {}),
          };
    const result = await sendJson<{ post?: SaveReply; page?: SaveReply }>(id ? `${base}/${id}` : base, id ? 'PUT' : 'POST', body);
    if (!auto) setBusy(false);
    if (!result.ok) {
      if (result.status === 0) return setSaveState({ kind: 'offline' });
      if (result.status === INSUFFICIENT_STORAGE) return setSaveState({ kind: 'no-room', reason: result.error });
      if (result.status === 409) return setSaveState({ kind: 'conflict', reason: result.error });
      if (auto) return setSaveState({ kind: 'failed', reason: result.error });
      setSaveState({ kind: 'idle' });
      return setError(result.error);
    }
    const reply = (result.data.post ?? result.data.page)!;
    version.current = reply.updatedAt;
    setStatus(reply.status);
    setHasPending(Boolean(reply.hasPendingChanges));
    if (action === 'discard-changes') {
      // Back to what readers see, address and cover included.
      const text = liveText.current;
      setTitle(text.title);
      setMarkdown(text.markdown);
      setExcerpt(text.excerpt);
      setTags(text.tags);
      setSlug(savedBefore.slug);
      setSlugEdited(true);
      setCover(savedBefore.cover);
      setSaved({ ...savedBefore, ...text });
    } else if (staged) {
      setSaved({ ...sent, slug: savedBefore.slug, cover: savedBefore.cover });
    } else {
      setSaved({ ...sent, slug: reply.slug });
      liveText.current = textOf(sent);
      // Once saved, the address stays put (links to it may be out there), as the server has it.
      if (!latest.current.slugEdited || latest.current.fields.slug === sent.slug) {
        setSlug(reply.slug);
        setSlugEdited(true);
      }
    }
    setSaveState({ kind: 'saved' });
    setNotice(auto ? null : staged ? 'Saved. Readers see the published version until you publish changes.' : MESSAGES[action]);
    if (isPost && action === 'publish' && reply.status === 'published' && latest.current.emailOnPublish) {
      const sent = await emailToSubscribers(blog, reply.id);
      setEmailOnPublish(false);
      if (sent.error) setError(`Published, but not emailed: ${sent.error}`);
      if (sent.state) setSendingState(sent.state);
    }
    if (!id) {
      setDocId(reply.id);
      forgetLocalDraft(localDraftKey(blog, kind, undefined));
      // The address of the saved document, without a navigation that would reset the editor.
      window.history.replaceState(null, '', `/dashboard/${blog}/${collection}/${reply.id}`);
      guard.addressChanged();
    }
  }

  function act(action: PostAction) {
    void enqueue(() => request(action, false));
  }

  function autosaveNow() {
    void enqueue(async () => {
      if (!latest.current.autosaveDue) return;
      if (!navigator.onLine) return setSaveState({ kind: 'offline' });
      await request('save', true);
    });
  }

  const onAutosaveDue = useEffectEvent(autosaveNow);
  useEffect(() => {
    if (!autosaveDue) return;
    const timer = setTimeout(() => onAutosaveDue(), AUTOSAVE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [autosaveDue, fields]);

  const onConnectionChange = useEffectEvent((online: boolean) => {
    if (online) {
      setSaveState((state) => (state.kind === 'offline' ? { kind: 'idle' } : state));
      autosaveNow();
    } else if (dirty) {
      setSaveState({ kind: 'offline' });
    }
  });
  useEffect(() => {
    const online = () => onConnectionChange(true);
    const offline = () => onConnectionChange(false);
    window.addEventListener('online', online);
    window.addEventListener('offline', offline);
    return () => {
      window.removeEventListener('online', online);
      window.removeEventListener('offline', offline);
    };
  }, []);
  useEffect(() => {
    if (saveState.kind !== 'offline' && saveState.kind !== 'no-room') return;
    const timer = setInterval(() => onAutosaveDue(), RETRY_DELAY_MS);
    return () => clearInterval(timer);
  }, [saveState.kind]);

  // ── Preview ──
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout>;
    // One preview is made at a time per person: while one is still being made (429), ask again shortly.
    const ask = (delay: number) => {
      timer = setTimeout(async () => {
        const result = await sendJson<{ html: string; excerpt: string }>(`/api/blogs/${blog}/preview`, 'POST', { markdown });
        if (result.ok) {
          setPreview(result.data.html);
          setAutoExcerpt(result.data.excerpt);
          setPreviewError(null);
        } else if (result.status === 429) ask(500);
        else setPreviewError(result.error);
      }, delay);
    };
    ask(300);
    return () => clearTimeout(timer);
  }, [markdown, blog]);

  /** The preview follows the part being edited: scrolled in proportion to the text. */
  function followScroll() {
    const from = textarea.current;
    const to = previewPane.current;
    if (!from || !to) return;
    const range = from.scrollHeight - from.clientHeight;
    to.scrollTop = range > 0 ? (from.scrollTop / range) * (to.scrollHeight - to.clientHeight) : 0;
  }

  const edit =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setNotice(null);
    };
  /** Changes the Markdown from what it is now, not from when an upload began. */
  const editMarkdown = (change: (current: string) => string) => {
    setMarkdown(change);
    setNotice(null);
  };

  function restoreRevision(revision: RevisionContent) {
    setTitle(revision.title);
    setMarkdown(revision.markdown);
    setExcerpt(revision.excerpt);
    setTags(revision.tags.join(', '));
    setNotice(
      `The version of ${formatTime(revision.createdAt, props.timeZone)} is in the editor: ${live ? 'publish the changes' : 'save or publish it'} to keep it.`,
    );
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
      const image = result.ok ? (result.data as UploadedImage) : undefined;
      // The file name stands in until the author describes the image.
      const snippet = image ? `![${markdownAlt(altFromFilename(file.name))}](${image.path})` : '';
      if (!result.ok) setUploadError(`${file.name}: ${result.error}`);
      editMarkdown((current) => current.replace(placeholders[index]!, () => snippet));
      if (image)
        setToDescribe((list) => [...list, { id: image.id, filename: image.filename, path: image.path, thumbnailUrl: image.thumbnailUrl }]);
    }
    setUploading(null);
  }

  /** An image described or skipped: the next one is asked for, or the author is back in the text. */
  function doneDescribing(image: UploadedImage) {
    // From the list as it is now: an upload may have added to it while the description was saved.
    setToDescribe((list) => list.filter((i) => i.id !== image.id));
    describedLast.current = true;
  }
  useEffect(() => {
    if (toDescribe.length === 0 && describedLast.current) textarea.current?.focus();
    describedLast.current = false;
  }, [toDescribe.length]);

  function described(image: UploadedImage, alt: string) {
    editMarkdown((current) => withImageAlt(current, image.path, alt));
    setCover((chosen) => (chosen?.id === image.id ? { ...chosen, alt } : chosen));
    doneDescribing(image);
  }

  const droppedFiles = (data: DataTransfer | null) => [...(data?.files ?? [])];

  async function remove() {
    setBusy(true);
    const result = await sendJson(`${base}/${docId}`, 'DELETE', {});
    setBusy(false);
    if (!result.ok) return setError(result.error);
    guard.allowLeaving();
    forgetLocalDraft(draftKey);
    router.push(isPost ? `/dashboard/${blog}` : `/dashboard/${blog}/pages`);
    router.refresh();
  }

  const stateLine =
    saveState.kind === 'saving'
      ? 'Saving…'
      : saveState.kind === 'offline'
        ? 'Offline — kept on this device'
        : saveState.kind === 'no-room'
          ? `${saveState.reason} It is kept on this device.`
          : saveState.kind === 'failed' || saveState.kind === 'conflict'
            ? `Not saved: ${saveState.reason}`
            : (notice ?? (dirty ? 'Unsaved changes' : saveState.kind === 'saved' ? 'Saved' : ''));
  const addressMoves = live && address !== saved.slug;
  const waitsForPublishing = staging && (addressMoves || cover?.id !== saved.cover?.id);

  return (
    <main className="editor-page">
      <h1 className="editor-heading">{`${docId ? 'Edit' : 'New'} ${kind}`}</h1>
      <div className="editor">
        <div className="editor-fields">
          {isClient && kept && (
            <div className="restore-offer" role="alert">
              <p>This browser kept changes that were not saved.</p>
              <div className="button-row">
                <button type="button" className="primary" onClick={restoreKept}>
                  Restore unsaved text from {formatTime(kept.keptAt, props.timeZone)}
                </button>
                <button type="button" onClick={discardKept}>
                  Discard
                </button>
              </div>
            </div>
          )}
          <label className="field">
            <span>Title</span>
            <input value={title} onChange={(e) => edit(setTitle)(e.target.value)} maxLength={POST_TITLE_MAX} className="title-input" />
          </label>
          <HintedField label="Address" hint={addressMoves ? ADDRESS_MOVE_NOTICE : undefined}>
            {(control) => (
              <span className="with-prefix">
                <span className="prefix">{props.publicUrl}/</span>
                <input
                  {...control}
                  value={address}
                  onChange={(e) => {
                    setSlugEdited(true);
                    edit(setSlug)(e.target.value.toLowerCase());
                  }}
                  maxLength={POST_SLUG_MAX}
                />
              </span>
            )}
          </HintedField>
          <div className="panes">
            <div className="pane">
              <label className="field">
                <span>Markdown</span>
                <textarea
                  ref={textarea}
                  value={markdown}
                  onChange={(e) => edit(setMarkdown)(e.target.value)}
                  onScroll={followScroll}
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
              <DescribeImages blog={blog} images={toDescribe} onDescribed={described} onSkipped={doneDescribing} />
            </div>
            <section className="pane" aria-label="Preview">
              <span className="pane-label">Preview</span>
              {/* Rendered and sanitized by the server, exactly as it will be published. */}
              {previewError && (
                <p className="error" role="status">
                  {previewError}
                </p>
              )}
              <div ref={previewPane} className="prose preview" dangerouslySetInnerHTML={{ __html: preview }} />
            </section>
          </div>
          {isPost && (
            <label className="field">
              <span>Tags</span>
              <input value={tags} onChange={(e) => edit(setTags)(e.target.value)} maxLength={TAGS_TEXT_MAX} placeholder="travel, food" />
            </label>
          )}
          {isPost ? (
            <HintedField
              label="Excerpt"
              hint="Shown in the list of posts and in link previews. Left empty, the start of the post is used (shown above, faded)."
            >
              {(control) => (
                <textarea
                  {...control}
                  value={excerpt}
                  onChange={(e) => edit(setExcerpt)(e.target.value)}
                  rows={2}
                  maxLength={POST_EXCERPT_MAX}
                  placeholder={autoExcerpt}
                />
              )}
            </HintedField>
          ) : (
            <label className="field narrow">
              <span>Position in the navigation</span>
              <input type="number" min={0} max={1000} value={navOrder} onChange={(e) => edit(setNavOrder)(Number(e.target.value))} />
            </label>
          )}
          {isPost && docId !== undefined && (
            <EditorHistory blog={blog} postId={docId} timeZone={props.timeZone} current={{ title, markdown }} onRestore={restoreRevision} />
          )}
        </div>

        <aside className="editor-actions" aria-label="Publishing">
          <p>
            Status: <span className={`status status-${status}`}>{status}</span>
            {initial.views !== undefined && <span className="muted"> · {initial.views.toLocaleString('en')} views</span>}
          </p>
          <p className={`save-state save-${saveState.kind}`} role="status">
            {stateLine}
          </p>
          {hasPending && (
            <p className="pending-note">
              <strong>You have unpublished changes.</strong> Readers see the published version until you publish them.
            </p>
          )}
          {waitsForPublishing && <p className="muted small">A new address or cover takes effect when you publish the changes.</p>}
          <FormMessages error={error} notice={null} />
          {isPost && props.newsletter && status !== 'published' && sendingState === null && (
            <EmailOnPublish info={props.newsletter} checked={emailOnPublish} onChange={setEmailOnPublish} />
          )}
          <div className="button-row">
            {!live ? (
              <>
                <button type="button" onClick={() => act('save')} disabled={busy}>
                  Save draft
                </button>
                <button type="button" className="primary" onClick={() => act('publish')} disabled={busy}>
                  Publish now
                </button>
              </>
            ) : isPost ? (
              <>
                <button type="button" className="primary" onClick={() => act('publish-changes')} disabled={busy || (!hasPending && !dirty)}>
                  {status === 'scheduled' ? 'Apply changes to the scheduled post' : 'Publish changes'}
                </button>
                <button type="button" onClick={() => act('save')} disabled={busy || !textDirty}>
                  Save without publishing
                </button>
                {(hasPending || dirty) && (
                  <button type="button" onClick={() => setConfirming('discard')} disabled={busy}>
                    Discard changes…
                  </button>
                )}
                {status === 'scheduled' && (
                  <button type="button" onClick={() => act('publish')} disabled={busy}>
                    Publish now
                  </button>
                )}
                <button type="button" onClick={() => act('unpublish')} disabled={busy}>
                  Unpublish
                </button>
              </>
            ) : (
              <>
                <button type="button" className="primary" onClick={() => act('publish')} disabled={busy}>
                  Publish changes
                </button>
                <button type="button" onClick={() => act('unpublish')} disabled={busy}>
                  Unpublish
                </button>
              </>
            )}
          </div>
          {confirming === 'discard' && (
            <div className="confirm" role="alertdialog" aria-label="Confirm discarding changes">
              <p>Discard your unpublished changes? The published version comes back into the editor; saved changes stay in History.</p>
              <button
                type="button"
                className="danger"
                onClick={() => {
                  setConfirming(null);
                  act('discard-changes');
                }}
                disabled={busy}
              >
                Discard changes
              </button>
              <button type="button" onClick={() => setConfirming(null)}>
                Cancel
              </button>
            </div>
          )}
          {status === 'published' && docId !== undefined && (
            <a href={`${props.publicUrl}/${saved.slug}`} target="_blank" rel="noreferrer">
              View {kind} ↗
            </a>
          )}
          {isPost && props.newsletter && docId !== undefined && (status === 'published' || sendingState !== null) && (
            <NewsletterPanel blog={blog} postId={docId} info={props.newsletter} state={sendingState} onState={setSendingState} />
          )}
          {isPost && docId !== undefined && (status !== 'published' || hasPending) && <PreviewLink blog={blog} postId={docId} />}
          {isPost && (
            <CoverChooser
              blog={blog}
              cover={cover}
              onChange={(chosen) => {
                setCover(chosen);
                setNotice(null);
              }}
            />
          )}
          {isPost && (
            <div className="schedule">
              <label className="field">
                <span>Publish later ({props.timeZone.replace(/_/g, ' ')} time)</span>
                <input type="datetime-local" value={scheduleAt} onChange={(e) => setScheduleAt(e.target.value)} />
              </label>
              <button type="button" onClick={() => act('schedule')} disabled={busy || !scheduleAt}>
                Schedule
              </button>
            </div>
          )}
          {docId &&
            (confirming === 'delete' ? (
              <div className="confirm" role="alertdialog" aria-label="Confirm deletion">
                <p>Delete this {kind}? It goes to the blog’s trash, where it can be restored for a while.</p>
                <button type="button" className="danger" onClick={remove} disabled={busy}>
                  Delete {kind}
                </button>
                <button type="button" onClick={() => setConfirming(null)}>
                  Cancel
                </button>
              </div>
            ) : (
              <button type="button" className="link danger-link" onClick={() => setConfirming('delete')}>
                Delete…
              </button>
            ))}
        </aside>
      </div>
    </main>
  );
}

/** The box beside "Publish now"; where mail is not set up, one sentence instead. */
function EmailOnPublish(props: { info: NewsletterInfo; checked: boolean; onChange: (checked: boolean) => void }) {
  if (!props.info.mailEnabled) return <p className="muted small">{MAIL_OFF_NOTE}</p>;
  if (props.info.subscribers === 0) return null;
  return (
    <label className="checkbox">
      <input type="checkbox" checked={props.checked} onChange={(e) => props.onChange(e.target.checked)} /> Email this post to{' '}
      {subscribersLabel(props.info.subscribers)}
    </label>
  );
}

const MESSAGES: Record<PostAction, string> = {
  save: 'Saved.',
  publish: 'Published.',
  schedule: 'Scheduled.',
  unpublish: 'Unpublished: readers no longer see it.',
  'publish-changes': 'Published.',
  'discard-changes': 'Changes discarded: the editor shows the published version again.',
};

function fieldsOf(doc: EditorDocument): EditorFields {
  return {
    title: doc.title,
    slug: doc.slug,
    markdown: doc.markdown,
    excerpt: doc.excerpt ?? '',
    tags: doc.tags ?? '',
    navOrder: doc.navOrder ?? 0,
    cover: doc.cover ?? null,
  };
}

function textOf(fields: EditorFields): EditorText {
  return { title: fields.title, markdown: fields.markdown, excerpt: fields.excerpt, tags: fields.tags };
}

function sameText(a: EditorFields, b: EditorFields): boolean {
  return a.title === b.title && a.markdown === b.markdown && a.excerpt === b.excerpt && a.tags === b.tags;
}

function sameFields(a: EditorFields, b: EditorFields): boolean {
  return sameText(a, b) && a.slug === b.slug && a.navOrder === b.navOrder && (a.cover?.id ?? null) === (b.cover?.id ?? null);
}

/** Kept text is offered back when it differs from the server's and was written on it, or after it. */
function worthOffering(kept: KeptDraft | undefined, doc: EditorDocument): KeptDraft | null {
  if (!kept || sameFields(kept.fields, fieldsOf(doc))) return null;
  if (doc.updatedAt === undefined) return kept.fields.title.trim() || kept.fields.markdown.trim() ? kept : null;
  return (kept.baseVersion !== null && kept.baseVersion >= doc.updatedAt) || kept.keptAt > doc.updatedAt ? kept : null;
}

const noSubscription = () => () => {};
