import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../api';
import { millis, percent, roughDuration, time } from '../format';
import { onLive } from '../live';
import { LatencyChart, type Marker } from '../parts/chart';
import { Locations } from '../parts/locations';
import { kindCharts, MetricChart } from '../parts/metric-chart';
import { checkLook, StatusBadge } from '../parts/status';

interface Detail {
  name: string;
  kind: string;
  target: string;
  labels: Record<string, string>;
  schedule: { every?: string; cron?: string; timezone?: string | null };
  timeoutMs: number;
  config: Record<string, unknown>;
  /** set when the check runs from several places */
  locations?: string[];
}

interface Series {
  range: string;
  from: number;
  to: number;
  series: { t: number[]; avgMs: number[]; maxMs: number[]; availability: (number | null)[] };
  alerts: { at: number; rule: string; from: string; to: string; value: number | null }[];
  deploys?: { at: number; id: number; title: string; version: string | null; status: string }[];
  failures: { at: number; status: string; up: boolean; durationMs: number; message: string }[];
}

interface Availability {
  availability: number | null;
  /** how much of the window the check has run for */
  historyMs: number;
  windowMs: number;
}

const ranges = ['1h', '6h', '24h', '7d', '30d', '90d'];
const windows = ['24h', '7d', '30d', '90d'];

export function CheckPage({ name }: { name: string }) {
  const [detail, setDetail] = useState<Detail | null>(null);
  const [status, setStatus] = useState<{ status: string; up?: boolean; message: string | null } | null>(null);
  const [range, setRange] = useState('24h');
  const [series, setSeries] = useState<Series | null>(null);
  const [avail, setAvail] = useState<Record<string, Availability>>({});
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const path = `/checks/${encodeURIComponent(name)}`;
    api<Detail>(path).then(setDetail, (e: Error) => setError(e.message));
    Promise.all(
      windows.map((w) => api<Availability>(`${path}/availability?window=${w}`).then((r) => [w, r] as const)),
    ).then(
      (list) => setAvail(Object.fromEntries(list)),
      () => {},
    );
  }, [name]);

  useEffect(() => {
    // The newest run only (not /checks, which lists every check: thousands of them).
    api<{ results: { status: string; up: boolean; message: string }[] }>(
      `/checks/${encodeURIComponent(name)}/results?from=0&limit=1`,
    ).then(
      (r) =>
        setStatus(
          r.results[0]
            ? { status: r.results[0].status, up: r.results[0].up, message: r.results[0].message }
            : { status: 'pending', message: null },
        ),
      () => {},
    );
  }, [name, tick]);

  useEffect(() => {
    api<Series>(`/checks/${encodeURIComponent(name)}/series?range=${range}`).then(setSeries, (e: Error) =>
      setError(e.message),
    );
  }, [name, range, tick]);

  useEffect(
    () =>
      onLive((e) => {
        if (e.type === 'check' && e.check === name) setTick((t) => t + 1);
      }),
    [name],
  );

  const markers = useMemo<Marker[]>(
    () =>
      [
        ...(series?.alerts ?? [])
          .filter((a) => a.to === 'firing' || a.from === 'firing')
          .map(
            (a): Marker => ({
              at: a.at,
              text: `${a.rule} ${a.to}`,
              kind: a.to === 'firing' ? 'firing' : 'resolved',
            }),
          ),
        ...(series?.deploys ?? []).map(
          (d): Marker => ({
            at: d.at,
            text: `deploy #${d.id} ${d.title}${d.version ? ` (${d.version})` : ''}: ${d.status}`,
            kind: 'deploy',
          }),
        ),
      ].sort((a, b) => a.at - b.at),
    [series],
  );

  if (error)
    return (
      <p role="alert" class="error">
        {error}
      </p>
    );
  if (!detail) return <p aria-busy="true">Loading…</p>;
  return (
    <section aria-labelledby="check-title">
      <p class="crumbs">
        <a href="/">Overview</a> › {detail.name}
      </p>
      <h1 id="check-title">
        {detail.name}{' '}
        {status ? (
          <StatusBadge
            status={checkLook(status.status, status.up)}
            word={detail.locations && status.status === 'warning' ? 'Degraded' : undefined}
          />
        ) : null}
      </h1>
      {status?.message ? <p class="message">{status.message}</p> : null}
      <dl class="facts">
        <dt>Kind</dt>
        <dd>{detail.kind}</dd>
        <dt>Target</dt>
        <dd>{detail.target}</dd>
        <dt>Schedule</dt>
        <dd>{detail.schedule.every ? `every ${detail.schedule.every}` : `cron ${detail.schedule.cron}`}</dd>
        <dt>Labels</dt>
        <dd>
          {Object.entries(detail.labels)
            .map(([k, v]) => `${k}=${v}`)
            .join(', ') || '—'}
        </dd>
      </dl>

      {detail.locations ? (
        <>
          <h2>Locations</h2>
          <Locations name={detail.name} tick={tick} />
        </>
      ) : null}

      <h2>Availability</h2>
      <ul class="avail-windows">
        {windows.map((w) => (
          <li key={w} data-window={w}>
            <span>{w}</span> <strong>{percent(avail[w]?.availability ?? null, 3)}</strong>
            {/* "90d 100%" from 20 minutes of runs says how much history it covers */}
            {avail[w] && avail[w].availability !== null && avail[w].historyMs < avail[w].windowMs ? (
              <small class="history"> of {roughDuration(avail[w].historyMs)} of history</small>
            ) : null}
          </li>
        ))}
      </ul>

      <h2>Latency</h2>
      <fieldset class="ranges">
        <legend class="sr-only">Chart range</legend>
        {ranges.map((r) => (
          <button key={r} type="button" aria-pressed={r === range} onClick={() => setRange(r)}>
            {r}
          </button>
        ))}
      </fieldset>
      {series ? (
        series.series.t.length ? (
          <LatencyChart
            from={series.from}
            to={series.to}
            t={series.series.t}
            avg={series.series.avgMs}
            max={series.series.maxMs}
            markers={markers}
            label={`${detail.name}: latency over ${series.range}, ${markers.length} alert and deploy markers`}
          />
        ) : (
          <p>No runs in this range yet.</p>
        )
      ) : (
        <p aria-busy="true">Loading chart…</p>
      )}
      {markers.length ? (
        <ul class="markers" aria-label="Alert and deploy markers">
          {markers.map((m) => (
            <li key={`${m.at}${m.text}`} class={m.kind}>
              {time(m.at)}: {m.text}
            </li>
          ))}
        </ul>
      ) : null}

      {kindCharts[detail.kind] && series ? (
        <section aria-label={kindCharts[detail.kind]!.heading}>
          <h2>{kindCharts[detail.kind]!.heading}</h2>
          <div class="metric-charts">
            {kindCharts[detail.kind]!.charts.map((spec) => (
              <MetricChart
                key={spec.title}
                check={detail.name}
                spec={spec}
                from={series.from}
                to={series.to}
              />
            ))}
          </div>
        </section>
      ) : null}

      <h2>Recent failures</h2>
      {series?.failures.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Status</th>
              <th scope="col">Took</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {series.failures.map((f) => (
              <tr key={f.at}>
                <td>{time(f.at)}</td>
                <td>
                  <StatusBadge status={checkLook(f.status, f.up)} />
                </td>
                <td>{millis(f.durationMs)}</td>
                <td>{f.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>No failures in this range.</p>
      )}

      <h2>Configuration</h2>
      <p class="hint">Secrets are shown as ***; they live in the environment, not here.</p>
      <pre class="config">
        {JSON.stringify({ ...detail.config, timeout: `${detail.timeoutMs} ms` }, null, 2)}
      </pre>
    </section>
  );
}
