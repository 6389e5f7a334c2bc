import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { ago, millis, time, until } from '../format';
import { NodesSection } from '../parts/nodes';
import { StatusBadge } from '../parts/status';

interface Job {
  id: string;
  kind: string;
  schedule: string;
  timezone: string | null;
  if_missed: string;
  next_run_at: string | null;
  running: boolean;
  last_run: {
    started_at: string;
    duration_ms: number;
    outcome: 'ok' | 'failed';
    message: string | null;
  } | null;
}

/** When each next run is, in words: `in 3d 4h` (or `now`). */
function next(iso: string, now: number): string {
  return Date.parse(iso) - now < 1000 ? 'now' : until(iso, now);
}

/** The daemon's schedule, as `systemctl list-timers` shows one: every job, next run first. */
export function JobsPage() {
  const [jobs, setJobs] = useState<Job[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [kind, setKind] = useState('');
  useEffect(() => {
    const load = () =>
      api<{ jobs: Job[] }>('/jobs').then(
        (r) => setJobs(r.jobs),
        (e: Error) => setError(e.message),
      );
    void load();
    const t = setInterval(load, 30_000);
    return () => clearInterval(t);
  }, []);
  if (error)
    return (
      <p role="alert" class="error">
        {error}
      </p>
    );
  if (!jobs) return <p aria-busy="true">Loading…</p>;
  const now = Date.now();
  const kinds = [...new Set(jobs.map((j) => j.kind))].sort();
  const shown = kind ? jobs.filter((j) => j.kind === kind) : jobs;
  return (
    <section aria-labelledby="jobs-title">
      <h1 id="jobs-title">Jobs</h1>
      <p>
        Everything Vigil runs on a schedule. A run missed while Vigil was down is run once at start (
        <em>run-once</em>) or left to the next slot (<em>skip</em>).
      </p>
      <label>
        Kind{' '}
        <select value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
          <option value="">all ({jobs.length})</option>
          {kinds.map((k) => (
            <option key={k} value={k}>
              {k} ({jobs.filter((j) => j.kind === k).length})
            </option>
          ))}
        </select>
      </label>
      <table>
        <thead>
          <tr>
            <th scope="col">Job</th>
            <th scope="col">Kind</th>
            <th scope="col">Schedule</th>
            <th scope="col">Next run</th>
            <th scope="col">If missed</th>
            <th scope="col">Last run</th>
            <th scope="col">Outcome</th>
            <th scope="col">Took</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((j) => (
            <tr key={j.id} data-job={j.id}>
              <td>{j.id}</td>
              <td>{j.kind}</td>
              <td>
                <code>{j.schedule}</code>
                {j.timezone ? ` (${j.timezone})` : ''}
              </td>
              <td>
                {j.running
                  ? 'running now'
                  : j.next_run_at
                    ? `${time(j.next_run_at)} (${next(j.next_run_at, now)})`
                    : '—'}
              </td>
              <td>{j.if_missed}</td>
              <td>{j.last_run ? ago(Date.parse(j.last_run.started_at), now) : 'never'}</td>
              <td title={j.last_run?.message ?? ''}>
                {j.last_run ? (
                  <StatusBadge
                    status={j.last_run.outcome === 'ok' ? 'ok' : 'down'}
                    word={j.last_run.outcome === 'ok' ? 'OK' : 'Failed'}
                  />
                ) : (
                  '—'
                )}
                {j.last_run?.message ? <span class="muted"> {j.last_run.message}</span> : null}
              </td>
              <td>{j.last_run ? millis(j.last_run.duration_ms) : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <NodesSection />
    </section>
  );
}
