import { formatTime } from '@/lib/time/zone';

/** A time for the dashboard, in the blog's time zone (its setting), naming the zone. */
export function When({ date, timeZone }: { date: Date | null; timeZone: string }) {
  if (!date) return <span className="muted">—</span>;
  return <time dateTime={date.toISOString()}>{formatTime(date, timeZone)}</time>;
}
