import type { CSSProperties } from 'react';
import type { DayPoint } from '@/lib/pageviews/stats';

/** Plot units: one per day across, 0–100 down (the top gridline sits a little below the edge). */
const HEIGHT = 100;
const TOP = 4;
/** About this many day labels fit a wide chart; a narrow one shows every other (platform.css). */
const DAY_LABELS = 8;

/**
 * Views (bars) and daily readers (line) per day, drawn on the server. The SVG stretches to
 * whatever box CSS gives it (`preserveAspectRatio="none"`, strokes that do not scale), and the
 * axis labels are HTML beside and under it, positioned in percent: text inside a scaled SVG
 * shrinks with it, to about 5 px on a phone.
 */
export function ViewsChart({ days }: { days: DayPoint[] }) {
  const max = Math.max(1, ...days.map((d) => d.views));
  const top = niceCeiling(max);
  const y = (value: number) => HEIGHT - (value / top) * (HEIGHT - TOP);
  const x = (i: number) => i + 0.5;
  const line = days.map((d, i) => `${i === 0 ? 'M' : 'L'}${x(i)},${y(d.uniques).toFixed(2)}`).join(' ');
  const labelEvery = Math.ceil(days.length / DAY_LABELS);
  const total = days.reduce((sum, d) => sum + d.views, 0);
  const gridlines = [0, 0.5, 1].map((f) => top * f);
  const at = (property: 'top' | 'left', percent: number) => ({ [property]: `${percent.toFixed(2)}%` }) as CSSProperties;

  return (
    <figure className="chart">
      <div className="chart-plot">
        {/* The labels repeat what the image's name and the bars' titles say. */}
        <div className="chart-y" aria-hidden="true">
          <span className="chart-sizer">{top.toLocaleString('en')}</span>
          {gridlines.map((value) => (
            <span key={value} style={at('top', y(value))}>
              {Math.round(value).toLocaleString('en')}
            </span>
          ))}
        </div>
        <svg
          viewBox={`0 0 ${days.length} ${HEIGHT}`}
          preserveAspectRatio="none"
          role="img"
          aria-label={`Views per day: ${total.toLocaleString('en')} in ${days.length} days`}
        >
          {gridlines.map((value) => (
            <line key={value} x1={0} x2={days.length} y1={y(value)} y2={y(value)} className="grid" />
          ))}
          {days.map((d, i) => (
            <rect key={d.day} x={i + 0.15} y={y(d.views)} width={0.7} height={HEIGHT - y(d.views)} className="bar">
              <title>{`${d.day}: ${d.views} views, ${d.uniques} readers`}</title>
            </rect>
          ))}
          <path d={line} className="line" fill="none" />
        </svg>
        <div className="chart-x" aria-hidden="true">
          {days.map((d, i) =>
            i % labelEvery === 0 ? (
              <span
                key={d.day}
                className={i % (labelEvery * 2) === 0 ? undefined : 'chart-x-minor'}
                style={at('left', (x(i) / days.length) * 100)}
              >
                {d.day.slice(5)}
              </span>
            ) : null,
          )}
        </div>
      </div>
      <figcaption>
        <span className="key bar-key" /> views <span className="key line-key" /> readers (distinct per day)
      </figcaption>
    </figure>
  );
}

/**
 * The top of the scale, always even so that the middle gridline is a whole number of views: up
 * to 10 the next even number, beyond that 1, 2 or 5 times a power of ten.
 */
function niceCeiling(value: number): number {
  if (value <= 10) return Math.max(2, 2 * Math.ceil(value / 2));
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (m * magnitude >= value) return m * magnitude;
  return 10 * magnitude;
}
