const format = new Intl.DateTimeFormat('en', { dateStyle: 'long', timeZone: 'UTC' });

export function PostDate({ date }: { date: Date }) {
  return (
    <time className="post-date" dateTime={date.toISOString()}>
      {format.format(date)}
    </time>
  );
}
