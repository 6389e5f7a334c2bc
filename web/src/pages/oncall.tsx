import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { time } from '../format';

interface OnCall {
  schedule: string;
  timezone: string;
  user: string | null;
  display_name: string | null;
  source: string | null;
  until: string | null;
}

interface Shift {
  user: string;
  display_name: string;
  source: string;
  starts_at: string;
  ends_at: string;
}

interface Policy {
  name: string;
  repeat: number;
  steps: { schedule: string | null; users: string[]; channels: string[]; wait_ms: number }[];
}

/** Wall time in the schedule's zone, as the people on call read it. */
const local = (iso: string, zone: string) =>
  new Intl.DateTimeFormat(undefined, {
    timeZone: zone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  }).format(Date.parse(iso));

function stepText(s: Policy['steps'][number]): string {
  const who = [
    ...(s.schedule ? [`on call in ${s.schedule}`] : []),
    ...s.users,
    ...s.channels.map((c) => `#${c}`),
  ].join(', ');
  return `${who}, then wait ${Math.round(s.wait_ms / 60_000)} min`;
}

/** On call: who is paged now, each schedule's next two weeks, and the escalation policies. */
export function OncallPage() {
  const [who, setWho] = useState<OnCall[] | null>(null);
  const [shifts, setShifts] = useState<Record<string, Shift[]>>({});
  const [policies, setPolicies] = useState<Policy[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const load = async () => {
      const now = await api<{ oncall: OnCall[] }>('/oncall');
      setWho(now.oncall);
      const views = await Promise.all(
        now.oncall.map((o) =>
          api<{ shifts: Shift[] }>(`/oncall/schedules/${encodeURIComponent(o.schedule)}?days=14`),
        ),
      );
      setShifts(Object.fromEntries(now.oncall.map((o, i) => [o.schedule, views[i]!.shifts])));
      setPolicies((await api<{ policies: Policy[] }>('/oncall/policies')).policies);
    };
    load().catch((e: Error) => setError(e.message));
    const t = setInterval(() => load().catch((e: Error) => setError(e.message)), 60_000);
    return () => clearInterval(t);
  }, []);
  if (error)
    return (
      <p role="alert" class="error">
        {error}
      </p>
    );
  if (!who) return <p aria-busy="true">Loading…</p>;
  return (
    <section aria-labelledby="oncall-title">
      <h1 id="oncall-title">On call</h1>
      {!who.length && (
        <p>
          No schedules yet: add people, schedules and escalation policies under <code>oncall:</code> in
          vigil.yaml.
        </p>
      )}
      {who.length > 0 && (
        <table>
          <caption>Now</caption>
          <thead>
            <tr>
              <th scope="col">Schedule</th>
              <th scope="col">On call</th>
              <th scope="col">Via</th>
              <th scope="col">Until</th>
            </tr>
          </thead>
          <tbody>
            {who.map((o) => (
              <tr key={o.schedule}>
                <th scope="row">{o.schedule}</th>
                <td>{o.display_name ?? <em>nobody</em>}</td>
                <td>{o.source ?? ''}</td>
                <td>{o.until ? <time dateTime={o.until}>{local(o.until, o.timezone)}</time> : ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {who.map((o) => (
        <table key={o.schedule}>
          <caption>
            {o.schedule}: the next 14 days ({o.timezone})
          </caption>
          <thead>
            <tr>
              <th scope="col">From</th>
              <th scope="col">Until</th>
              <th scope="col">On call</th>
              <th scope="col">Via</th>
            </tr>
          </thead>
          <tbody>
            {(shifts[o.schedule] ?? []).map((s) => (
              <tr key={s.starts_at}>
                <td>
                  <time dateTime={s.starts_at} title={time(s.starts_at)}>
                    {local(s.starts_at, o.timezone)}
                  </time>
                </td>
                <td>
                  <time dateTime={s.ends_at} title={time(s.ends_at)}>
                    {local(s.ends_at, o.timezone)}
                  </time>
                </td>
                <td>{s.display_name}</td>
                <td>{s.source}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
      {policies.length > 0 && (
        <>
          <h2>Escalation policies</h2>
          {policies.map((p) => (
            <div key={p.name}>
              <h3>{p.name}</h3>
              <ol>
                {p.steps.map((s) => (
                  <li key={stepText(s)}>{stepText(s)}</li>
                ))}
              </ol>
              {p.repeat > 0 && (
                <p>
                  Then again from the first step, {p.repeat === 1 ? 'once more' : `${p.repeat} more times`}.
                </p>
              )}
            </div>
          ))}
        </>
      )}
    </section>
  );
}
