// Plain inline SVG charts: no library, no CDN. Each has a text title and a table-like description for
// screen readers (role="img" with aria-label), and scales to the width of its container.

const W = 640;
const H = 220;
const PAD = { top: 12, right: 12, bottom: 28, left: 60 };

export interface Series {
  name: string;
  className: string;
  values: number[];
}

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

function Axes({ max, labels, unit }: { max: number; labels: string[]; unit?: string }) {
  const ticks = [0, 0.5, 1].map((f) => f * max);
  const inner = W - PAD.left - PAD.right;
  const every = Math.max(1, Math.ceil(labels.length / 8));
  return (
    <g className="axes">
      {ticks.map((t) => {
        const y = PAD.top + (H - PAD.top - PAD.bottom) * (1 - t / max);
        return (
          <g key={t}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y} y2={y} className="grid" />
            <text x={PAD.left - 6} y={y + 4} textAnchor="end">
              {Number.isInteger(t) ? t : Number(t.toFixed(2))}
              {unit ?? ''}
            </text>
          </g>
        );
      })}
      {labels.map((label, i) =>
        i % every === 0 ? (
          <text
            key={label + String(i)}
            x={PAD.left + (inner / labels.length) * (i + 0.5)}
            y={H - 8}
            textAnchor="middle"
          >
            {label}
          </text>
        ) : null,
      )}
    </g>
  );
}

function Legend({ series }: { series: { name: string; className: string }[] }) {
  return (
    <ul className="legend">
      {series.map((s) => (
        <li key={s.name}>
          <span className={`swatch ${s.className}`} aria-hidden="true" />
          {s.name}
        </li>
      ))}
    </ul>
  );
}

/** Stacked bars: one bar per label, one layer per series. */
export function StackedBars({
  title,
  labels,
  series,
}: {
  title: string;
  labels: string[];
  series: Series[];
}) {
  const totals = labels.map((_, i) => series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const max = niceMax(Math.max(0, ...totals));
  const inner = W - PAD.left - PAD.right;
  const height = H - PAD.top - PAD.bottom;
  const band = inner / Math.max(1, labels.length);
  const description = labels.map((l, i) => `${l}: ${totals[i]}`).join(', ');
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}. ${description}`}>
        <Axes max={max} labels={labels} />
        {labels.map((label, i) => {
          let y = PAD.top + height;
          return (
            <g key={label + String(i)}>
              {series.map((s) => {
                const v = s.values[i] ?? 0;
                if (v === 0) return null;
                const h = (v / max) * height;
                y -= h;
                return (
                  <rect
                    key={s.name}
                    className={s.className}
                    x={PAD.left + band * i + band * 0.15}
                    width={band * 0.7}
                    y={y}
                    height={h}
                  >
                    <title>{`${label} ${s.name}: ${v}`}</title>
                  </rect>
                );
              })}
            </g>
          );
        })}
      </svg>
      <Legend series={series} />
    </figure>
  );
}

/** Lines over the same labels; a null value leaves a gap. */
export function Lines({
  title,
  labels,
  series,
  unit,
}: {
  title: string;
  labels: string[];
  series: { name: string; className: string; values: (number | null)[] }[];
  unit?: string;
}) {
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const max = niceMax(Math.max(0, ...all));
  const inner = W - PAD.left - PAD.right;
  const height = H - PAD.top - PAD.bottom;
  const band = inner / Math.max(1, labels.length);
  const x = (i: number) => PAD.left + band * (i + 0.5);
  const y = (v: number) => PAD.top + height * (1 - v / max);
  const description = series
    .map((s) => `${s.name}: ${s.values.map((v, i) => `${labels[i]} ${v === null ? 'none' : v}`).join(', ')}`)
    .join('; ');
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title}. ${description}`}>
        <Axes max={max} labels={labels} unit={unit} />
        {series.map((s) => {
          const segments: string[] = [];
          let current = '';
          s.values.forEach((v, i) => {
            if (v === null) {
              if (current) segments.push(current);
              current = '';
              return;
            }
            current += `${current ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
          });
          if (current) segments.push(current);
          return (
            <g key={s.name} className={s.className}>
              {segments.map((d) => (
                <path key={d} d={d} className="line" />
              ))}
              {s.values.map((v, i) =>
                v === null ? null : (
                  <circle key={i} cx={x(i)} cy={y(v)} r={3}>
                    <title>{`${labels[i]} ${s.name}: ${v}${unit ?? ''}`}</title>
                  </circle>
                ),
              )}
            </g>
          );
        })}
      </svg>
      <Legend series={series} />
    </figure>
  );
}

export interface TimelineMark {
  at: number;
  label: string;
  kind: 'deploy' | 'incident';
  className: string;
}

/** One row per lane (a service): deploys as ticks, incidents as dots, on one time axis. */
export function LaneTimeline({
  title,
  from,
  to,
  lanes,
}: {
  title: string;
  from: number;
  to: number;
  lanes: { name: string; marks: TimelineMark[] }[];
}) {
  const width = 960;
  const laneH = 30;
  const left = 150;
  const height = PAD.top + lanes.length * laneH + PAD.bottom;
  const span = Math.max(1, to - from);
  const x = (t: number) => left + ((width - left - PAD.right - 30) * (t - from)) / span;
  const DAY = 86_400_000;
  const step = Math.max(1, Math.ceil(span / DAY / 7)) * DAY;
  const first = Math.ceil(from / DAY) * DAY;
  const ticks = Array.from({ length: Math.floor((to - first) / step) + 1 }, (_, i) => first + i * step);
  const count = (kind: string) =>
    lanes.reduce((n, l) => n + l.marks.filter((m) => m.kind === kind).length, 0);
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`${title}: ${count('deploy')} deploys and ${count('incident')} incidents over ${lanes.length} services`}
      >
        {ticks.map((t) => (
          <g key={t} className="axes">
            <line x1={x(t)} x2={x(t)} y1={PAD.top} y2={height - PAD.bottom} className="grid" />
            <text x={x(t)} y={height - 8} textAnchor="middle">
              {new Date(t).toLocaleDateString(undefined, { month: 'short', day: 'numeric' })}
            </text>
          </g>
        ))}
        {lanes.map((lane, i) => {
          const cy = PAD.top + laneH * i + laneH / 2;
          return (
            <g key={lane.name}>
              <text x={left - 8} y={cy + 4} textAnchor="end" className="lane-label">
                {lane.name.length > 18 ? `${lane.name.slice(0, 17)}…` : lane.name}
              </text>
              <line x1={left} x2={width - PAD.right} y1={cy} y2={cy} className="lane" />
              {lane.marks.map((m, j) =>
                m.kind === 'deploy' ? (
                  <rect key={j} x={x(m.at) - 1.5} y={cy - 9} width={3} height={18} className={m.className}>
                    <title>{m.label}</title>
                  </rect>
                ) : (
                  <circle key={j} cx={x(m.at)} cy={cy} r={5} className={m.className}>
                    <title>{m.label}</title>
                  </circle>
                ),
              )}
            </g>
          );
        })}
      </svg>
      <Legend
        series={[
          { name: 'deploy', className: 'mark-deploy' },
          { name: 'incident', className: 'mark-incident' },
        ]}
      />
    </figure>
  );
}

/** The last `days` days as labels and their start times (UTC days). */
export function dayBuckets(days: number, now = Date.now()): { labels: string[]; starts: number[] } {
  const today = Date.UTC(
    new Date(now).getUTCFullYear(),
    new Date(now).getUTCMonth(),
    new Date(now).getUTCDate(),
  );
  const starts = Array.from({ length: days }, (_, i) => today - (days - 1 - i) * 86_400_000);
  const labels = starts.map((s) => new Date(s).toISOString().slice(5, 10));
  return { labels, starts };
}

export function bucketOf(starts: number[], at: string): number {
  const t = new Date(at).getTime();
  for (let i = starts.length - 1; i >= 0; i--) if (t >= (starts[i] ?? 0)) return i;
  return -1;
}
