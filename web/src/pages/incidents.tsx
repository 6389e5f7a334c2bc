import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { time } from '../format';
import { onLive } from '../live';
import { StatusBadge } from '../parts/status';
import { currentUser } from '../session';

interface Incident {
  id: number;
  title: string;
  severity: string;
  status: string;
  firingAlerts: number;
  openedAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
}
interface Detail extends Incident {
  timeline: { at: string; kind: string; text: string; actor: string | null }[];
}

export function IncidentsPage({ canOperate }: { canOperate: boolean }) {
  const [list, setList] = useState<Incident[] | null>(null);
  const [tick, setTick] = useState(0);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<{ incidents: Incident[] }>('/incidents?all=true').then(
      (r) => setList(r.incidents),
      (e: Error) => setError(e.message),
    );
  }, [tick]);
  useEffect(() => onLive((e) => e.type === 'incident' && setTick((t) => t + 1)), []);
  if (error)
    return (
      <p role="alert" class="error">
        {error}
      </p>
    );
  if (!list) return <p aria-busy="true">Loading…</p>;
  return (
    <section aria-labelledby="incidents-title">
      <h1 id="incidents-title">Incidents</h1>
      {list.length === 0 ? (
        <p>No incidents. A firing critical alert opens one.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Status</th>
              <th scope="col">Title</th>
              <th scope="col">Severity</th>
              <th scope="col">Opened</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((i) => (
              <tr key={i.id} data-incident={i.id}>
                <td>
                  <a href={`/incidents/${i.id}`}>#{i.id}</a>
                </td>
                <td>
                  <StatusBadge status={i.status} />
                </td>
                <td>
                  <a href={`/incidents/${i.id}`}>{i.title}</a>
                </td>
                <td>{i.severity}</td>
                <td>{time(i.openedAt)}</td>
                <td>
                  {canOperate ? (
                    <Actions i={i} done={() => setTick((t) => t + 1)} onError={setError} />
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Actions({ i, done, onError }: { i: Incident; done(): void; onError(m: string): void }) {
  const act = (what: 'ack' | 'resolve') =>
    api(`/incidents/${i.id}/${what}`, { method: 'POST', body: { by: currentUser() ?? 'dashboard' } }).then(
      done,
      (e: Error) => onError(e.message),
    );
  return (
    <span class="actions">
      {i.status === 'open' ? (
        <button type="button" onClick={() => act('ack')}>
          Acknowledge
        </button>
      ) : null}
      {i.status !== 'resolved' ? (
        <button type="button" class="secondary" onClick={() => act('resolve')}>
          Resolve
        </button>
      ) : null}
    </span>
  );
}

export function IncidentPage({ id, canOperate }: { id: string; canOperate: boolean }) {
  const [i, setI] = useState<Detail | null>(null);
  const [tick, setTick] = useState(0);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<Detail>(`/incidents/${encodeURIComponent(id)}`).then(setI, (e: Error) => setError(e.message));
  }, [id, tick]);
  useEffect(() => onLive((e) => e.type === 'incident' && setTick((t) => t + 1)), []);
  if (error)
    return (
      <p role="alert" class="error">
        {error}
      </p>
    );
  if (!i) return <p aria-busy="true">Loading…</p>;
  return (
    <section aria-labelledby="incident-title">
      <p class="crumbs">
        <a href="/incidents">Incidents</a> › #{i.id}
      </p>
      <h1 id="incident-title">
        #{i.id} {i.title} <StatusBadge status={i.status} />
      </h1>
      <dl class="facts">
        <dt>Severity</dt>
        <dd>{i.severity}</dd>
        <dt>Opened</dt>
        <dd>{time(i.openedAt)}</dd>
        <dt>Acknowledged</dt>
        <dd>{i.acknowledgedAt ? `${time(i.acknowledgedAt)} by ${i.acknowledgedBy}` : '—'}</dd>
        <dt>Resolved</dt>
        <dd>{i.resolvedAt ? `${time(i.resolvedAt)}${i.resolvedBy ? ` by ${i.resolvedBy}` : ''}` : '—'}</dd>
      </dl>
      {canOperate ? <Actions i={i} done={() => setTick((t) => t + 1)} onError={setError} /> : null}
      <h2>Timeline</h2>
      <ol class="timeline">
        {i.timeline.map((e, n) => (
          <li key={n}>
            <time dateTime={e.at}>{time(e.at)}</time> <strong>{e.kind.replace(/_/g, ' ')}</strong> {e.text}
            {e.actor ? ` — ${e.actor}` : ''}
          </li>
        ))}
      </ol>
    </section>
  );
}
