'use client';

import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { HintedField } from '@/app/_components/form';
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
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const editButton = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef(false);

  // The server's value wins when the page is refreshed with a newer one.
  const [seen, setSeen] = useState(props.alt);
  if (props.alt !== seen) {
    setSeen(props.alt);
    setAlt(props.alt);
  }

  useEffect(() => {
    if (!editing && returnFocus.current) editButton.current?.focus();
    returnFocus.current = false;
  }, [editing]);

  function close() {
    returnFocus.current = true;
    setEditing(false);
    setError(null);
  }

  async function save(value: string) {
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
            setEditing(true);
          }}
        >
          {alt ? 'Edit description' : 'Add description'}
        </button>
      </div>
    );
  }

  return (
    <DescriptionForm
      className="media-description"
      label={`Description of ${props.filename}`}
      initial={alt}
      submitLabel="Save"
      cancelLabel="Cancel"
      pending={pending}
      error={error}
      onSave={save}
      onCancel={close}
    />
  );
}

/**
 * The one form that asks for a description, in the editor and in the media library: a field
 * focused as it appears, its hint and error, a save button and a way out (Escape too).
 */
export function DescriptionForm(props: {
  className: string;
  /** The form's own name, when the field's label does not say which image it is. */
  formLabel?: string;
  label: string;
  hint?: string;
  /** Shown beside the fields (the editor shows the image). */
  aside?: ReactNode;
  /** Shown above the field. */
  intro?: ReactNode;
  initial: string;
  submitLabel: string;
  cancelLabel: string;
  pending: boolean;
  error: string | null;
  onSave: (value: string) => void;
  onCancel: () => void;
}) {
  const [value, setValue] = useState(props.initial);
  const field = useRef<HTMLInputElement>(null);
  const errorId = useId();
  useEffect(() => field.current?.focus(), []);

  const fields = (
    <>
      {props.intro}
      <HintedField label={props.label} hint={props.hint}>
        {(control) => (
          <input
            {...control}
            ref={field}
            value={value}
            onChange={(e) => setValue(e.target.value)}
            maxLength={MEDIA_ALT_MAX}
            aria-invalid={props.error ? true : undefined}
            aria-describedby={[props.error ? errorId : undefined, control['aria-describedby']].filter(Boolean).join(' ') || undefined}
          />
        )}
      </HintedField>
      {props.error && (
        <p className="error" role="alert" id={errorId}>
          {props.error}
        </p>
      )}
      <div className="button-row">
        <button type="submit" className="primary" disabled={props.pending}>
          {props.submitLabel}
        </button>
        <button type="button" onClick={props.onCancel}>
          {props.cancelLabel}
        </button>
      </div>
    </>
  );
  return (
    <form
      className={props.className}
      aria-label={props.formLabel}
      onSubmit={(e) => {
        e.preventDefault();
        props.onSave(value);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          props.onCancel();
        }
      }}
    >
      {props.aside}
      {props.aside ? <div className="describe-fields">{fields}</div> : fields}
    </form>
  );
}
