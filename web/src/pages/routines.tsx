import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { plural, time } from '../format';

interface Run {
  id: string;
  routine: string;
  status: 'open' | 'done';
  startedAt: string;
  deliveredAt: string | null;
}

interface Step {
  name: string;
  kind: string;
  title: string;
  status: 'ok' | 'attention' | 'failed' | 'skipped' | 'pending';
  summary: string;
  reason?: string;
  findings: { status: string; text: string }[];
  checklist?: string[];
  signedBy: string | null;
  signedAt: number | null;
  note: string | null;
  late: boolean;
}

interface Report {
  routine: string;
  runId?: string;
  status: 'open' | 'done' | 'on-demand';
  period: { from: number; to: number };
  steps: Step[];
}

/** A step's outcome in a word and a symbol (never colour alone), with the badge colours of checks. */
const looks: Record<Step['status'], { icon: string; word: string; css: string }> = {
  ok: { icon: '✓', word: 'OK', css: 's-ok' },
  attention: { icon: '!', word: 'Needs attention', css: 's-warning' },
  failed: { icon: '✕', word: 'Failed', css: 's-critical' },
  skipped: { icon: '–', word: 'Skipped', css: 's-unknown' },
  pending: { icon: '…', word: 'Awaiting sign-off', css: 's-pending' },
};

function StepBadge({ status }: { status: Step['status'] }) {
  const l = looks[status];
  return (
    <span class={`badge ${l.css}`}>
      <span aria-hidden="true">{l.icon}</span> {l.word}
    </span>
  );
}

interface Routine {
  name: string;
  cron: string;
  timezone: string;
  steps: { name: string; kind: string }[];
  lastRun: { id: string; status: string; startedAt: string } | null;
}

/** The configured routines, then their runs newest first: what waits for sign-off is what this page is for. */
export function RoutinesPage() {
  const [runs, setRuns] = useState<Run[] | null>(null);
  const [routines, setRoutines] = useState<Routine[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<{ runs: Run[] }>('/routines/runs?limit=100').then(
      (r) => setRuns(r.runs),
      (e: Error) => setError(e.message),
    );
    api<{ routines: Routine[] }>('/routines').then(
      (r) => setRoutines(r.routines),
      () => {},
    );
  }, []);
  if (error)
    return (
      <p role="alert" class="error">
        {error}
      </p>
    );
  if (!runs) return <p aria-busy="true">Loading…</p>;
  return (
    <section aria-labelledby="routines-title">
      <h1 id="routines-title">Routines</h1>
      {routines.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Routine</th>
              <th scope="col">Schedule</th>
              <th scope="col">Steps</th>
              <th scope="col">Last run</th>
            </tr>
          </thead>
          <tbody>
            {routines.map((r) => {
              const manual = r.steps.filter((s) => s.kind === 'manual').length;
              return (
                <tr key={r.name} data-routine={r.name}>
                  <td>
                    <strong>{r.name}</strong>
                  </td>
                  <td>
                    <code>{r.cron}</code> {r.timezone}
                  </td>
                  <td>
                    {plural(r.steps.length - manual, 'automated step')}, {plural(manual, 'manual step')}
                  </td>
                  <td>
                    {r.lastRun ? (
                      <a href={`/routines/runs/${encodeURIComponent(r.lastRun.id)}`}>
                        {time(r.lastRun.startedAt)}
                      </a>
                    ) : (
                      <>
                        not yet: on its schedule, or now with <code>vigil routine run {r.name}</code>
                      </>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : (
        <p>
          No routines are configured: add them under <code>routines:</code> in vigil.yaml.
        </p>
      )}
      <h2>Runs</h2>
      {runs.length === 0 ? (
        <p>No routine has run yet. Routines run on their cron, or with `vigil routine run`.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">State</th>
              <th scope="col">Started</th>
              <th scope="col">Report sent</th>
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id} data-run={r.id}>
                <td>
                  <a href={`/routines/runs/${encodeURIComponent(r.id)}`}>{r.id}</a>
                </td>
                <td>{r.status === 'open' ? 'Awaiting sign-off' : 'Done'}</td>
                <td>{time(r.startedAt)}</td>
                <td>{r.deliveredAt ? time(r.deliveredAt) : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** One run: each step's findings, and sign-off of the manual ones. */
export function RoutineRunPage({ id, canOperate }: { id: string; canOperate: boolean }) {
  const [report, setReport] = useState<Report | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    api<Report>(`/routines/runs/${encodeURIComponent(id)}`).then(setReport, (e: Error) =>
      setError(e.message),
    );
  }, [id, tick]);
  if (error)
    return (
      <p role="alert" class="error">
        {error}
      </p>
    );
  if (!report) return <p aria-busy="true">Loading…</p>;
  return (
    <section aria-labelledby="run-title">
      <p class="crumbs">
        <a href="/routines">Routines</a> › {id}
      </p>
      <h1 id="run-title">{report.routine}</h1>
      <p>
        {time(report.period.from)} – {time(report.period.to)} ·{' '}
        {report.status === 'open' ? 'awaiting sign-off' : 'done'} ·{' '}
        <a href={`/api/v1/routines/runs/${encodeURIComponent(id)}/report`} target="_blank" rel="noreferrer">
          the report as mailed
        </a>
      </p>
      {report.steps.map((s) => (
        <section key={s.name} class="card" data-step={s.name} aria-labelledby={`step-${s.name}`}>
          <h2 id={`step-${s.name}`}>
            {s.title} <StepBadge status={s.status} />
          </h2>
          <p>{s.summary}</p>
          {s.findings.length ? (
            <ul>
              {s.findings.map((f, i) => (
                <li key={`${i}${f.text}`}>{f.text}</li>
              ))}
            </ul>
          ) : null}
          {s.checklist?.length ? (
            <ul aria-label="Checklist">
              {s.checklist.map((c) => (
                <li key={c}>{c}</li>
              ))}
            </ul>
          ) : null}
          {s.signedBy ? (
            <p class="hint">
              Signed off by {s.signedBy} at {time(s.signedAt)}
              {s.note ? `: ${s.note}` : ''}
            </p>
          ) : s.kind === 'manual' && report.status === 'open' && canOperate ? (
            <SignOff runId={id} step={s.name} onDone={() => setTick((t) => t + 1)} />
          ) : null}
        </section>
      ))}
    </section>
  );
}

function SignOff({ runId, step, onDone }: { runId: string; step: string; onDone: () => void }) {
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      await api(`/routines/runs/${encodeURIComponent(runId)}/steps/${encodeURIComponent(step)}/signoff`, {
        method: 'POST',
        body: note ? { note } : {},
      });
      onDone();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={submit} class="signoff">
      <label>
        Note
        <input value={note} onInput={(e) => setNote((e.target as HTMLInputElement).value)} />
      </label>
      <button type="submit" disabled={busy}>
        Sign off
      </button>
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
    </form>
  );
}
