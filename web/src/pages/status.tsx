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
    state: string;
    checks: { name: string; state: string; uptime: number | null; days: (number | null)[] }[];
  }[];
  maintenance?: { name: string; title: string; starts_at: string; ends_at: string; in_progress: boolean }[];
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
      {page.groups.map((g) => (
        <section key={g.name} aria-labelledby={`g-${g.name}`} class="card">
          <h2 id={`g-${g.name}`}>
            {g.name} <StatusBadge status={g.state} />
          </h2>
          <ul class="status-checks">
            {g.checks.map((c) => (
              <li key={c.name} data-check={c.name} data-state={c.state}>
                <div class="line">
                  <span>{c.name}</span>
                  <StatusBadge status={c.state} />
                </div>
                <UptimeBars days={c.days} firstDay={page.firstDay} name={c.name} />
                <div class="legend">
                  <span>90 days ago</span>
                  <span>{percent(c.uptime, 3)} uptime</span>
                  <span>today</span>
                </div>
              </li>
            ))}
          </ul>
        </section>
      ))}
      <p class="hint">Updated {new Date(page.generatedAt).toLocaleString()}.</p>
    </main>
  );
}
