import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { percent } from '../format';
import { UptimeBars } from '../parts/spark';
import { StatusBadge } from '../parts/status';

interface StatusPage {
  title: string;
  generatedAt: number;
  firstDay: number;
  state: string;
  groups: {
    name: string;
    description?: string;
    state: string;
    checks: {
      name: string;
      description?: string;
      state: string;
      uptime: number | null;
      days: (number | null)[];
    }[];
  }[];
  maintenance?: { name: string; title: string; starts_at: string; ends_at: string; in_progress: boolean }[];
  incidents?: {
    id: number;
    title: string;
    status: string;
    impact: string;
    components: string[];
    resolved_at: string | null;
    updates: { id: number; status: string; body: string; at: string }[];
  }[];
}

/** Sign up for updates by e-mail: the address gets a confirmation link first (double opt-in). */
function Subscribe() {
  const [email, setEmail] = useState('');
  const [said, setSaid] = useState<string | null>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    const r = await fetch('/status/subscribe', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    const body = (await r.json().catch(() => ({}))) as { message?: string; error?: { message?: string } };
    setSaid(
      r.ok
        ? 'Check your inbox: follow the link we sent to confirm.'
        : (body.error?.message ?? 'Not subscribed'),
    );
  };
  return (
    <section aria-labelledby="subscribe" class="card">
      <h2 id="subscribe">Get updates</h2>
      <form onSubmit={submit}>
        <label>
          E-mail{' '}
          <input type="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </label>{' '}
        <button type="submit">Subscribe</button> <a href="/status/feed.atom">Atom feed</a> ·{' '}
        <a href="/status/feed.rss">RSS</a>
      </form>
      {said && <p role="status">{said}</p>}
    </section>
  );
}

/** "of 3 days of history" when the 90 days are not all there yet: 100% of 20 minutes is not 90 days. */
function History({ days }: { days: (number | null)[] }) {
  const first = days.findIndex((d) => d !== null);
  if (first <= 0) return null;
  const had = days.length - first;
  return <> (of {had === 1 ? '1 day' : `${had} days`} of history)</>;
}

const headline: Record<string, string> = {
  up: 'All systems operational',
  degraded: 'Some systems are degraded',
  down: 'Some systems are down',
  unknown: 'Some systems have no recent data',
};

/** The public page: no login, no navigation into the dashboard, no internal details. */
export function StatusPublicPage() {
  const [page, setPage] = useState<StatusPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const load = () =>
      api<StatusPage>('/status').then(
        (p) => {
          setPage(p);
          setError(null);
        },
        (e: Error) => setError(e.message),
      );
    void load();
    const t = window.setInterval(load, 60_000);
    return () => clearInterval(t);
  }, []);
  useEffect(() => {
    if (page) document.title = page.title;
  }, [page]);
  if (error && !page)
    return (
      <main class="status-page">
        <p role="alert" class="error">
          {error}
        </p>
      </main>
    );
  if (!page)
    return (
      <main class="status-page">
        <p aria-busy="true">Loading…</p>
      </main>
    );
  return (
    <main class="status-page">
      <h1>{page.title}</h1>
      <p class={`headline st-${page.state}`} data-testid="status-headline" data-state={page.state}>
        <StatusBadge status={page.state} /> {headline[page.state] ?? page.state}
      </p>
      {page.maintenance?.length ? (
        <section aria-labelledby="maintenance" class="card" data-testid="maintenance">
          <h2 id="maintenance">Scheduled maintenance</h2>
          <ul>
            {page.maintenance.map((m) => (
              <li key={`${m.name}@${m.starts_at}`} data-in-progress={m.in_progress}>
                <strong>{m.in_progress ? 'Under way: ' : ''}</strong>
                {m.title || m.name}, {new Date(m.starts_at).toLocaleString()} –{' '}
                {new Date(m.ends_at).toLocaleString()}
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {page.incidents?.map((i) => (
        <section key={i.id} aria-labelledby={`i-${i.id}`} class="card" data-testid="status-incident">
          <h2 id={`i-${i.id}`}>
            {i.title} <small>({i.status})</small>
          </h2>
          {i.components.length > 0 && <p class="hint">Affects {i.components.join(', ')}</p>}
          <ol class="status-updates">
            {i.updates.map((u) => (
              <li key={u.id} id={`update-${u.id}`}>
                <strong>{u.status[0]!.toUpperCase() + u.status.slice(1)}</strong>: {u.body}{' '}
                <time dateTime={u.at}>{new Date(u.at).toLocaleString()}</time>
              </li>
            ))}
          </ol>
        </section>
      ))}
      {page.groups.map((g) => (
        <section key={g.name} aria-labelledby={`g-${g.name}`} class="card">
          <h2 id={`g-${g.name}`}>
            {g.name} <StatusBadge status={g.state} />
          </h2>
          {g.description ? <p class="hint">{g.description}</p> : null}
          <ul class="status-checks">
            {g.checks.map((c) => (
              <li key={c.name} data-check={c.name} data-state={c.state}>
                <div class="line">
                  <span>{c.name}</span>
                  <StatusBadge status={c.state} />
                </div>
                {c.description ? <p class="hint">{c.description}</p> : null}
                <UptimeBars days={c.days} firstDay={page.firstDay} name={c.name} />
                <div class="legend">
                  <span>90 days ago</span>
                  <span>
                    {percent(c.uptime, 3)} uptime
                    <History days={c.days} />
                  </span>
                  <span>today</span>
                </div>
              </li>
            ))}
          </ul>
        </section>
      ))}
      <Subscribe />
      <p class="hint">Updated {new Date(page.generatedAt).toLocaleString()}.</p>
    </main>
  );
}
