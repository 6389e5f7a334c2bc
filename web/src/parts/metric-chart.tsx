import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { api } from '../api';

/** One chart of a check's own series: a PromQL range query, one line per series it returns. */
export interface MetricChartSpec {
  title: string;
  /** PromQL; `$check` is the check's name, `$step` the step as a duration ("60s") */
  query: string;
  /** ratio: 0..1 shown as %; count: whole numbers per step */
  unit: 'ratio' | 'count';
  /** the label that names each line (mount, level); the query's only series is named by the title */
  legend?: string;
}

interface Matrix {
  data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
}

const palette = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];

/** About 240 points across the range, never finer than 15 s. */
export const stepOf = (rangeMs: number) => Math.max(15, Math.round(rangeMs / 240 / 1000));

/** A check's series over [from, to] as one chart, or a line saying there is nothing yet. */
export function MetricChart({
  check,
  spec,
  from,
  to,
}: {
  check: string;
  spec: MetricChartSpec;
  from: number;
  to: number;
}) {
  const [data, setData] = useState<{ t: number[]; lines: { name: string; v: (number | null)[] }[] } | null>(
    null,
  );
  const [error, setError] = useState<string | null>(null);
  const ref = useRef<HTMLElement>(null);
  const step = stepOf(to - from);
  useEffect(() => {
    let alive = true;
    const query = spec.query
      .replaceAll('$check', check.replaceAll('\\', '\\\\').replaceAll('"', '\\"'))
      .replaceAll('$step', `${step}s`);
    const params = new URLSearchParams({
      query,
      start: String(Math.floor(from / 1000)),
      end: String(Math.floor(to / 1000)),
      step: String(step),
    });
    api<Matrix>(`/query_range?${params}`).then(
      (m) => {
        if (!alive) return;
        // one time axis for every line: the union of their timestamps
        const ts = [...new Set(m.data.result.flatMap((s) => s.values.map((p) => p[0])))].sort(
          (a, b) => a - b,
        );
        const at = new Map(ts.map((t, i) => [t, i]));
        const lines = m.data.result.map((s) => {
          const v: (number | null)[] = ts.map(() => null);
          for (const [t, x] of s.values) v[at.get(t)!] = Number(x);
          return { name: (spec.legend && s.metric[spec.legend]) || spec.title, v };
        });
        lines.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        setData({ t: ts, lines });
        setError(null);
      },
      (e: Error) => alive && setError(e.message),
    );
    return () => {
      alive = false;
    };
  }, [check, spec, from, to, step]);

  useEffect(() => {
    const el = ref.current;
    if (!el || !data?.t.length) return;
    const fmt = (v: number | null) =>
      v == null
        ? '—'
        : spec.unit === 'ratio'
          ? `${(v * 100).toFixed(1)}%`
          : String(Number.isInteger(v) ? v : Number(v.toPrecision(2)));
    const plot = new uPlot(
      {
        width: Math.max(280, el.clientWidth),
        height: 200,
        scales: {
          x: { time: true, range: () => [from / 1000, to / 1000] },
          ...(spec.unit === 'ratio' ? { y: { range: () => [0, 1] as [number, number] } } : {}),
        },
        series: [
          {},
          ...data.lines.map((l, i) => ({
            label: l.name,
            stroke: palette[i % palette.length],
            width: 1.5,
            points: { show: data.t.length < 60 },
            value: (_u: uPlot, v: number | null) => fmt(v),
          })),
        ],
        axes: [
          {},
          {
            size: 60,
            values: (_u: uPlot, splits: number[]) => splits.map((v) => fmt(v)),
          },
        ],
      },
      [data.t, ...data.lines.map((l) => l.v)] as uPlot.AlignedData,
      el,
    );
    const resize = () => plot.setSize({ width: Math.max(280, el.clientWidth), height: 200 });
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      plot.destroy();
    };
  }, [data, from, to, spec.unit]);

  return (
    <div class="metric-chart">
      <h3>{spec.title}</h3>
      {error ? (
        <p class="error">
          Could not read {spec.title}: {error}
        </p>
      ) : !data ? (
        <p aria-busy="true">Loading…</p>
      ) : data.t.length ? (
        <figure
          ref={ref}
          class="chart"
          aria-label={`${check}: ${spec.title}, ${data.lines.map((l) => l.name).join(', ')}`}
          data-testid={`chart-${spec.title}`}
        />
      ) : (
        <p>No samples in this range yet.</p>
      )}
    </div>
  );
}

/**
 * What a check's page charts beside latency, by kind: the series the kind writes (see the
 * README's series table). Kinds without an entry have latency alone.
 */
export const kindCharts: Record<string, { heading: string; charts: MetricChartSpec[] }> = {
  host: {
    heading: 'Resources',
    charts: [
      { title: 'CPU', query: 'avg_over_time(cpu_usage{check="$check"}[$step])', unit: 'ratio' },
      { title: 'Memory', query: 'avg_over_time(memory_usage{check="$check"}[$step])', unit: 'ratio' },
      {
        title: 'Disk',
        query: 'max_over_time(disk_usage{check="$check"}[$step])',
        unit: 'ratio',
        legend: 'mount',
      },
    ],
  },
  log: {
    heading: 'Errors',
    charts: [
      {
        title: 'Lines per level',
        query: 'sum by (level) (increase(log_matches_total{check="$check"}[$step]))',
        unit: 'count',
        legend: 'level',
      },
      {
        title: 'Error rate',
        query: 'max by (file) (max_over_time(error_rate{check="$check"}[$step]))',
        unit: 'ratio',
        legend: 'file',
      },
    ],
  },
};
