/**
 * A blog's time zone (an IANA name, the `time_zone` setting): the dashboard shows every time in
 * it, and "Publish later" reads the time an author types in it. Instants are stored as they
 * always were (Unix milliseconds, UTC); only showing and reading them involves the zone.
 *
 * No Node or database imports: the editor (a client component) uses this module too.
 */

export const DEFAULT_TIME_ZONE = 'UTC';

let zoneList: readonly string[] | undefined;
let zoneSet: ReadonlySet<string> | undefined;

/** Every zone this runtime knows (`Intl.supportedValuesOf`), UTC first: the settings' choices. */
export function timeZoneNames(): readonly string[] {
  zoneList ??= [DEFAULT_TIME_ZONE, ...Intl.supportedValuesOf('timeZone').filter((name) => name !== DEFAULT_TIME_ZONE)];
  return zoneList;
}

/**
 * The runtime's own name for a zone it knows, or undefined. Names are resolved first, so an alias
 * (`Europe/Kyiv` where the list says `Europe/Kiev`, `Etc/UTC`, another case) a browser may report
 * is accepted as the zone it names.
 */
export function canonicalTimeZone(name: unknown): string | undefined {
  if (typeof name !== 'string' || name.length === 0 || name.length > 64) return undefined;
  // Blog settings are read on every uncached page: remember answers (a few hundred names at most).
  if (resolvedNames.has(name)) return resolvedNames.get(name);
  let resolved: string | undefined;
  try {
    resolved = new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    resolved = undefined;
  }
  zoneSet ??= new Set(timeZoneNames());
  const known = resolved !== undefined && zoneSet.has(resolved) ? resolved : undefined;
  if (resolvedNames.size >= 2000) resolvedNames.clear();
  resolvedNames.set(name, known);
  return known;
}
const resolvedNames = new Map<string, string | undefined>();

// Making an Intl.DateTimeFormat costs far more than using one: one of each kind per zone.
const formats = new Map<string, Intl.DateTimeFormat>();
function formatter(kind: 'shown' | 'zone' | 'fields', timeZone: string): Intl.DateTimeFormat {
  const key = `${kind}\n${timeZone}`;
  let format = formats.get(key);
  if (!format) {
    format =
      kind === 'shown'
        ? new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short', timeZone })
        : kind === 'zone'
          ? new Intl.DateTimeFormat('en', { timeZoneName: 'short', timeZone })
          : new Intl.DateTimeFormat('en-US', {
              timeZone,
              hourCycle: 'h23',
              year: 'numeric',
              month: '2-digit',
              day: '2-digit',
              hour: '2-digit',
              minute: '2-digit',
              second: '2-digit',
            });
    formats.set(key, format);
  }
  return format;
}

/** A time as the dashboard shows it, in the blog's zone and naming it: "Mar 8, 2026, 3:30 AM EDT". */
export function formatTime(date: Date | number, timeZone: string): string {
  const zone =
    formatter('zone', timeZone)
      .formatToParts(date)
      .find((part) => part.type === 'timeZoneName')?.value ?? timeZone;
  return `${formatter('shown', timeZone).format(date)} ${zone}`;
}

type Fields = { year: number; month: number; day: number; hour: number; minute: number; second: number };

function fieldsAt(instant: number, timeZone: string): Fields {
  const parts = Object.fromEntries(
    formatter('fields', timeZone)
      .formatToParts(instant)
      .map((part) => [part.type, part.value]),
  );
  const n = (type: string) => Number(parts[type]);
  return { year: n('year'), month: n('month'), day: n('day'), hour: n('hour'), minute: n('minute'), second: n('second') };
}

const asUtc = (f: Fields) => Date.UTC(f.year, f.month - 1, f.day, f.hour, f.minute, f.second);

/** How far the zone's wall clock is ahead of UTC at `instant` (ms). */
function offsetAt(instant: number, timeZone: string): number {
  const whole = Math.floor(instant / 1000) * 1000; // the fields carry whole seconds
  return asUtc(fieldsAt(whole, timeZone)) - whole;
}

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The instant a wall-clock time in `timeZone` names: the value of a `datetime-local` input
 * ("2026-03-08T09:30") read in the blog's zone, not the browser's. Undefined when the text is not
 * such a time. Around a change of the clocks it does what a person means: a time skipped in
 * spring is read as that much later (02:30 that never happened is 03:30), and a time that
 * happens twice in autumn is the first of the two.
 */
export function toInstant(localDateTime: string, timeZone: string): Date | undefined {
  const match = LOCAL_DATE_TIME.exec(localDateTime);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second = 0] = match.slice(1).map((part) => (part === undefined ? 0 : Number(part))) as number[];
  const wall = Date.UTC(year!, month! - 1, day!, hour!, minute!, second);
  const check = new Date(wall);
  // Date.UTC rolls 2026-02-30 over into March: such a date is not a date.
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month! - 1 ||
    check.getUTCDate() !== day ||
    hour! > 23 ||
    minute! > 59 ||
    second > 59
  ) {
    return undefined;
  }
  // The zone's offset a day before and a day after cover any one change of the clocks.
  const before = offsetAt(wall - DAY_MS, timeZone);
  const after = offsetAt(wall + DAY_MS, timeZone);
  const exact = [...new Set([before, after])].map((offset) => wall - offset).filter((t) => wall - offsetAt(t, timeZone) === t);
  if (exact.length > 0) return new Date(Math.min(...exact));
  return new Date(wall - before); // in the gap: read with the offset from before the change
}

/** An instant as the value of a `datetime-local` input in `timeZone` (the reverse of toInstant). */
export function toLocalDateTime(instant: Date | number, timeZone: string): string {
  const f = fieldsAt(typeof instant === 'number' ? instant : instant.getTime(), timeZone);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(f.year, 4)}-${pad(f.month)}-${pad(f.day)}T${pad(f.hour)}:${pad(f.minute)}`;
}
