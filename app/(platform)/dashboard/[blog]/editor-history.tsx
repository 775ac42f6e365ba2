'use client';

import { useMemo, useState } from 'react';
import { getJson } from '@/app/_components/json';
import { When } from '@/app/_components/dates';
import { DIFF_MAX_LINES, diffLines, withContext } from '@/lib/posts/diff';

/** A kept version of a post, as the revisions route sends it. */
export type RevisionContent = { id: number; title: string; markdown: string; excerpt: string; tags: string[]; createdAt: number };
type RevisionListItem = { id: number; title: string; createdAt: number };

/**
 * The post's History: its kept versions with their times; one chosen is compared line by line
 * with the editor's current text, and "Restore this version" puts it into the editor, to be
 * saved or published like any edit. Versions are fetched only when the panel is opened.
 * Times are in the blog's time zone, like every time in the dashboard.
 */
export function EditorHistory(props: {
  blog: string;
  postId: number;
  timeZone: string;
  current: { title: string; markdown: string };
  onRestore: (revision: RevisionContent) => void;
}) {
  const { blog, postId } = props;
  const [open, setOpen] = useState(false);
  const [list, setList] = useState<RevisionListItem[] | null>(null);
  const [chosen, setChosen] = useState<RevisionContent | null>(null);
  const [error, setError] = useState<string | null>(null);
  const base = `/api/blogs/${blog}/posts/${postId}/revisions`;

  async function toggle() {
    if (open) return setOpen(false);
    setOpen(true);
    setError(null);
    setChosen(null);
    const result = await getJson<{ revisions: RevisionListItem[] }>(base);
    if (!result.ok) return setError(result.error);
    setList(result.data.revisions);
  }

  async function choose(id: number) {
    setError(null);
    const result = await getJson<{ revision: RevisionContent }>(`${base}/${id}`);
    if (!result.ok) return setError(result.error);
    setChosen(result.data.revision);
  }

  return (
    <div className="history">
      <button type="button" onClick={toggle} aria-expanded={open} aria-controls="history-panel">
        History
      </button>
      {open && (
        <section id="history-panel" className="history-panel" aria-label="History">
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          {list === null ? (
            !error && <p className="muted">Loading earlier versions…</p>
          ) : list.length === 0 ? (
            <p className="muted">No earlier versions yet: each save that changes the text keeps the version it replaced.</p>
          ) : (
            <ol className="history-list">
              {list.map((item) => (
                <li key={item.id}>
                  <button type="button" className="link" aria-pressed={chosen?.id === item.id} onClick={() => choose(item.id)}>
                    <When date={new Date(item.createdAt)} timeZone={props.timeZone} />
                  </button>{' '}
                  <span className="muted small">{item.title}</span>
                </li>
              ))}
            </ol>
          )}
          {chosen && (
            <Comparison revision={chosen} current={props.current} timeZone={props.timeZone} onRestore={() => props.onRestore(chosen)} />
          )}
        </section>
      )}
    </div>
  );
}

function Comparison(props: {
  revision: RevisionContent;
  current: { title: string; markdown: string };
  timeZone: string;
  onRestore: () => void;
}) {
  const { revision, current } = props;
  const diff = useMemo(() => diffLines(revision.markdown, current.markdown), [revision.markdown, current.markdown]);
  const rows = useMemo(() => withContext(diff.lines), [diff]);
  const changed = diff.lines.some((line) => line.kind !== 'same');
  return (
    <div className="comparison">
      <p>
        The version of <When date={new Date(revision.createdAt)} timeZone={props.timeZone} /> compared with your text now:{' '}
        <del>removed since</del>, <ins>added since</ins>.
      </p>
      {revision.title !== current.title && <p>Its title was “{revision.title}”.</p>}
      {changed ? (
        <pre className="diff" aria-label="Changes">
          {rows.map((row, index) =>
            row.kind === 'skipped' ? (
              <span key={index} className="diff-skipped">
                {`… ${row.count} unchanged ${row.count === 1 ? 'line' : 'lines'}\n`}
              </span>
            ) : row.kind === 'same' ? (
              <span key={index}>{`  ${row.text}\n`}</span>
            ) : row.kind === 'removed' ? (
              <del key={index}>{`- ${row.text}\n`}</del>
            ) : (
              <ins key={index}>{`+ ${row.text}\n`}</ins>
            ),
          )}
        </pre>
      ) : (
        <p className="muted">Its text is the same as yours.</p>
      )}
      {diff.truncated && <p className="muted small">Only the first {DIFF_MAX_LINES.toLocaleString('en')} lines of each are compared.</p>}
      <button type="button" onClick={props.onRestore}>
        Restore this version
      </button>
    </div>
  );
}
