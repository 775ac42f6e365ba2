'use client';

import { useEffect, useId, useRef, useState } from 'react';
import { sendJson } from '@/app/_components/json';
import { MEDIA_ALT_MAX } from '@/lib/input/lengths';
import type { MediaItem } from '@/lib/media/media';

/** Saves an image's description (empty removes it); answers the image as the server now has it, or the sentence to show. */
export async function saveDescription(blog: string, id: number, alt: string) {
  return sendJson<MediaItem>(`/api/blogs/${blog}/media/${id}`, 'PATCH', { alt });
}

/**
 * An image's description as text ("No description" when it has none, so authors can find
 * those), with an edit control labelled with the image's name: in the media library and
 * under a post's cover. Focus goes to the field on edit and back to the button after.
 */
export function MediaDescription(props: { blog: string; id: number; filename: string; alt: string; onSaved?: (alt: string) => void }) {
  const [alt, setAlt] = useState(props.alt);
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(props.alt);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const field = useRef<HTMLInputElement>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);
  const errorId = useId();

  // The server's value wins when the page is refreshed with a newer one.
  const [seen, setSeen] = useState(props.alt);
  if (props.alt !== seen) {
    setSeen(props.alt);
    setAlt(props.alt);
  }

  useEffect(() => {
    if (editing) field.current?.focus();
    else if (returnFocus.current) editButton.current?.focus();
    returnFocus.current = false;
  }, [editing]);

  function close() {
    returnFocus.current = true;
    setEditing(false);
    setError(null);
  }

  async function save() {
    setPending(true);
    setError(null);
    const result = await saveDescription(props.blog, props.id, value);
    setPending(false);
    if (!result.ok) return setError(result.error);
    setAlt(result.data.alt);
    props.onSaved?.(result.data.alt);
    close();
  }

  if (!editing) {
    return (
      <div className="media-description">
        {alt ? <p className="small">{alt}</p> : <p className="small no-description">No description</p>}
        <button
          ref={editButton}
          type="button"
          className="link"
          aria-label={`${alt ? 'Edit' : 'Add'} description of ${props.filename}`}
          onClick={() => {
            setValue(alt);
            setEditing(true);
          }}
        >
          {alt ? 'Edit description' : 'Add description'}
        </button>
      </div>
    );
  }

  return (
    <form
      className="media-description"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          close();
        }
      }}
    >
      <label className="field">
        <span className="small">Description of {props.filename}</span>
        <input
          ref={field}
          value={value}
          onChange={(e) => setValue(e.target.value)}
          maxLength={MEDIA_ALT_MAX}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
        />
      </label>
      {error && (
        <p className="error" role="alert" id={errorId}>
          {error}
        </p>
      )}
      <div className="button-row">
        <button type="submit" className="primary" disabled={pending}>
          Save
        </button>
        <button type="button" onClick={close}>
          Cancel
        </button>
      </div>
    </form>
  );
}
