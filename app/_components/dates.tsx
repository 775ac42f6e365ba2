const format = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

/** A date for the dashboard (UTC, labelled). */
export function When({ date }: { date: Date | null }) {
  if (!date) return <span className="muted">—</span>;
  return <time dateTime={date.toISOString()}>{format.format(date)} UTC</time>;
}
