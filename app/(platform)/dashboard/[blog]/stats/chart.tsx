import type { DayPoint } from '@/lib/pageviews/stats';

const WIDTH = 720;
const HEIGHT = 220;
const PAD = { top: 12, right: 12, bottom: 28, left: 44 };

/** Views (bars) and daily readers (line) per day, drawn on the server as plain SVG. */
export function ViewsChart({ days }: { days: DayPoint[] }) {
  const max = Math.max(1, ...days.map((d) => d.views));
  const top = niceCeiling(max);
  const innerW = WIDTH - PAD.left - PAD.right;
  const innerH = HEIGHT - PAD.top - PAD.bottom;
  const step = innerW / days.length;
  const y = (value: number) => PAD.top + innerH - (value / top) * innerH;
  const line = days.map((d, i) => `${i === 0 ? 'M' : 'L'}${(PAD.left + step * (i + 0.5)).toFixed(1)},${y(d.uniques).toFixed(1)}`).join(' ');
  const labelEvery = Math.ceil(days.length / 8);
  const total = days.reduce((sum, d) => sum + d.views, 0);

  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`Views per day: ${total.toLocaleString('en')} in ${days.length} days`}>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y(top * f)} y2={y(top * f)} className="grid" />
            <text x={PAD.left - 6} y={y(top * f) + 4} textAnchor="end" className="axis">
              {Math.round(top * f).toLocaleString('en')}
            </text>
          </g>
        ))}
        {days.map((d, i) => (
          <rect
            key={d.day}
            x={PAD.left + step * i + step * 0.15}
            y={y(d.views)}
            width={step * 0.7}
            height={Math.max(0, PAD.top + innerH - y(d.views))}
            className="bar"
          >
            <title>{`${d.day}: ${d.views} views, ${d.uniques} readers`}</title>
          </rect>
        ))}
        <path d={line} className="line" fill="none" />
        {days.map((d, i) =>
          i % labelEvery === 0 ? (
            <text key={d.day} x={PAD.left + step * (i + 0.5)} y={HEIGHT - 8} textAnchor="middle" className="axis">
              {d.day.slice(5)}
            </text>
          ) : null,
        )}
      </svg>
      <figcaption>
        <span className="key bar-key" /> views <span className="key line-key" /> readers (distinct per day)
      </figcaption>
    </figure>
  );
}

function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (m * magnitude >= value) return m * magnitude;
  return 10 * magnitude;
}
