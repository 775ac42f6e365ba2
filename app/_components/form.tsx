'use client';

import { useRouter } from 'next/navigation';
import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { sendJson } from './json';
import { FormMessages } from './messages';

/**
 * A form that sends its fields as JSON and shows the server's sentence when refused. The fields
 * keep what was typed, so nothing is lost on an error. A `redirect` in the answer is followed.
 */
export function JsonForm(props: {
  action: string;
  method?: 'POST' | 'PUT' | 'DELETE';
  submitLabel: string;
  pendingLabel?: string;
  children: ReactNode;
  /** Turns the form's fields into the body (client callers); defaults to a flat object of strings. */
  toBody?: (data: FormData) => unknown;
  /** Values sent along with the fields (usable from server components). */
  extra?: Record<string, string>;
  onSuccess?: (data: Record<string, unknown>) => void;
  successMessage?: string;
  className?: string;
  danger?: boolean;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setPending(true);
    setError(null);
    setNotice(null);
    const data = new FormData(event.currentTarget);
    const body = props.toBody ? props.toBody(data) : { ...Object.fromEntries(data.entries()), ...props.extra };
    const result = await sendJson(props.action, props.method ?? 'POST', body);
    setPending(false);
    if (!result.ok) return setError(result.error);
    props.onSuccess?.(result.data);
    if (typeof result.data.redirect === 'string') {
      router.push(result.data.redirect);
      router.refresh();
      return;
    }
    if (props.successMessage) setNotice(props.successMessage);
    router.refresh();
  }

  return (
    <form className={props.className ?? 'stack'} onSubmit={submit} noValidate>
      {props.children}
      <FormMessages error={error} notice={notice} />
      <div>
        <button type="submit" className={props.danger ? 'danger' : 'primary'} disabled={pending}>
          {pending ? (props.pendingLabel ?? 'Working…') : props.submitLabel}
        </button>
      </div>
    </form>
  );
}

export function Field(props: {
  label: string;
  name: string;
  type?: string;
  defaultValue?: string | number;
  hint?: string;
  required?: boolean;
  autoComplete?: string;
  maxLength?: number;
}) {
  return (
    <HintedField label={props.label} hint={props.hint}>
      {(control) => (
        <input
          {...control}
          name={props.name}
          type={props.type ?? 'text'}
          defaultValue={props.defaultValue}
          required={props.required}
          autoComplete={props.autoComplete}
          maxLength={props.maxLength}
        />
      )}
    </HintedField>
  );
}

/** What a control inside a HintedField spreads onto itself. */
export type HintedControl = { id: string; 'aria-describedby'?: string };

/**
 * A labelled control with a hint below it. The hint stays outside the `<label>` and describes
 * the control, so the control's accessible name is the label alone (a hint inside the label
 * would be read as part of the name).
 */
export function HintedField(props: {
  label: string;
  hint?: ReactNode;
  /** Classes for the hint (`good`, `bad`); a hint that changes while typing is announced. */
  hintClass?: string;
  live?: boolean;
  className?: string;
  children: (control: HintedControl) => ReactNode;
}) {
  const id = useId();
  const hintId = `${id}-hint`;
  const hasHint = props.hint !== undefined && props.hint !== null && props.hint !== false;
  return (
    <div className={props.className ? `field ${props.className}` : 'field'}>
      <label htmlFor={id}>{props.label}</label>
      {props.children({ id, ...(hasHint ? { 'aria-describedby': hintId } : {}) })}
      {hasHint && (
        <small id={hintId} className={props.hintClass} aria-live={props.live ? 'polite' : undefined}>
          {props.hint}
        </small>
      )}
    </div>
  );
}
