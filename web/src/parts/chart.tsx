import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Marker {
  at: number;
  text: string;
  kind: 'firing' | 'resolved' | 'deploy';
}

/** Latency (avg and max per bucket) with vertical lines for alert transitions. */
export function LatencyChart({
  t,
  avg,
  max,
  markers,
  label,
  from,
  to,
}: {
  from: number;
  to: number;
  t: number[];
  avg: (number | null)[];
  max: (number | null)[];
  markers: Marker[];
  label: string;
}) {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const css = getComputedStyle(document.documentElement);
    const colour = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: 260,
        // The whole chosen range, even when the check has run for only part of it.
        scales: { x: { time: true, range: () => [from / 1000, to / 1000] } },
        series: [
          {},
          {
            label: 'avg',
            stroke: colour('--chart-avg', '#2563eb'),
            width: 1.5,
            points: { show: t.length < 120 },
            value: (_u, v) => (v == null ? '—' : `${v} ms`),
          },
          {
            label: 'max',
            stroke: colour('--chart-max', '#9ca3af'),
            width: 1,
            dash: [4, 4],
            value: (_u, v) => (v == null ? '—' : `${v} ms`),
          },
        ],
        axes: [{}, { label: 'ms', size: 60 }],
        hooks: {
          draw: [
            (u) => {
              const ctx = u.ctx;
              ctx.save();
              for (const m of markers) {
                const x = u.valToPos(m.at / 1000, 'x', true);
                if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
                ctx.strokeStyle =
                  m.kind === 'firing' ? '#dc2626' : m.kind === 'resolved' ? '#16a34a' : '#7c3aed';
                ctx.lineWidth = 2;
                ctx.beginPath();
                ctx.moveTo(x, u.bbox.top);
                ctx.lineTo(x, u.bbox.top + u.bbox.height);
                ctx.stroke();
              }
              ctx.restore();
            },
          ],
        },
      },
      [t.map((v) => v / 1000), avg, max] as uPlot.AlignedData,
      el,
    );
    const resize = () => plot.setSize({ width: Math.max(280, el.clientWidth), height: 260 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [t, avg, max, markers, from, to]);
  return <figure ref={ref} class="chart" aria-label={label} data-testid="latency-chart" />;
}
