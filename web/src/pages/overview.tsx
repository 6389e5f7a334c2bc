import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../api';
import { ago, millis, percent, plural } from '../format';
import { onLive } from '../live';
import { Spark } from '../parts/spark';
import { checkLook, StatusBadge } from '../parts/status';
import { VirtualList } from '../parts/virtual-list';

interface CheckRow {
  /** how many places it runs from, when more than this server */
  locations?: number;
  name: string;
  kind: string;
  labels: Record<string, string>;
  status: string;
  /** reached its target; null before its first run */
  up: boolean | null;
  lastAt: number | null;
  lastMs: number | null;
  message?: string;
  availability: number | null;
  spark: (number | null)[];
  firing: number;
}

interface Overview {
  generatedAt: number;
  counts: Record<string, number>;
  checks: CheckRow[];
}

type Row = { header: string; count: number; down: number } | { check: CheckRow };

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const order: Record<string, number> = { down: 0, critical: 1, unknown: 2, warning: 3, pending: 4, ok: 5 };
const look = (c: CheckRow) => checkLook(c.status, c.up);

export function OverviewPage() {
  const [data, setData] = useState<Overview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const [status, setStatus] = useState('all');
  const [groupBy, setGroupBy] = useState(() => localStorage.getItem('vigil.groupBy') ?? '');

  useEffect(() => {
    let alive = true;
    let timer: number | undefined;
    const load = () =>
      api<Overview>('/overview')
        .then((d) => {
          if (!alive) return;
          setData(d);
          setError(null);
        })
        .catch((e: Error) => alive && setError(e.message));
    void load();
    // Check runs patch their row in place; alert and incident changes refresh the counts.
    const stop = onLive((e) => {
      if (e.type === 'check') {
        setData((d) => {
          if (!d) return d;
          const i = d.checks.findIndex((c) => c.name === e.check);
          if (i < 0) return d;
          const checks = d.checks.slice();
          const c = checks[i]!;
          checks[i] = {
            ...c,
            status: e.status,
            up: e.up,
            lastAt: e.at,
            lastMs: e.durationMs,
            // the newest run's words: an old message beside a new status misleads
            message: e.message ?? c.message,
          };
          return { ...d, checks };
        });
      } else {
        clearTimeout(timer);
        timer = window.setTimeout(load, 500);
      }
    });
    return () => {
      alive = false;
      clearTimeout(timer);
      stop();
    };
  }, []);

  const labelKeys = useMemo(
    () => [...new Set((data?.checks ?? []).flatMap((c) => Object.keys(c.labels)))].sort(),
    [data?.checks],
  );
  const key = groupBy && labelKeys.includes(groupBy) ? groupBy : (labelKeys[0] ?? '');

  const rows = useMemo(() => {
    if (!data) return [];
    const q = search.trim().toLowerCase();
    const shown = data.checks.filter(
      (c) =>
        (status === 'all' ||
          (status === 'failing' ? c.status !== 'ok' && c.status !== 'pending' : look(c) === status)) &&
        (!q ||
          c.name.toLowerCase().includes(q) ||
          c.kind.includes(q) ||
          Object.entries(c.labels).some(([k, v]) => `${k}=${v}`.toLowerCase().includes(q))),
    );
    const groups = new Map<string, CheckRow[]>();
    for (const c of shown) {
      const g = key ? (c.labels[key] ?? `(no ${key})`) : 'All checks';
      const list = groups.get(g) ?? [];
      if (!list.length) groups.set(g, list);
      list.push(c);
    }
    const out: Row[] = [];
    // Code-unit order, not localeCompare: at 5,000 checks the collator is most of the sort's time.
    for (const [g, list] of [...groups].sort(([a], [b]) => compare(a, b))) {
      list.sort((a, b) => (order[look(a)] ?? 9) - (order[look(b)] ?? 9) || compare(a.name, b.name));
      out.push({ header: g, count: list.length, down: list.filter((c) => look(c) === 'down').length });
      for (const c of list) out.push({ check: c });
    }
    return out;
  }, [data, search, status, key]);

  if (error && !data)
    return (
      <p role="alert" class="error">
        Could not load the overview: {error}
      </p>
    );
  if (!data) return <p aria-busy="true">Loading…</p>;
  const counts = data.counts;
  const failing = data.checks.filter((c) => look(c) === 'down').length;
  // reachable but in trouble: said beside "down", never counted in it
  const critical = data.checks.filter((c) => look(c) === 'critical').length;
  const unresolved = (counts.openIncidents ?? 0) + (counts.acknowledgedIncidents ?? 0);
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <ul class="counts" aria-label="Summary">
        {/* nothing down but something critical: not all well, so not green */}
        <li class={failing ? 'bad' : critical ? 'fair' : 'good'}>
          <strong data-testid="count-down">{failing}</strong> of {plural(counts.checks ?? 0, 'check')} down
          {critical ? (
            <span data-testid="count-critical">
              , <strong>{critical}</strong> critical
            </span>
          ) : null}
        </li>
        <li class={counts.firingAlerts ? 'bad' : ''}>
          <a href="/alerts">
            <strong data-testid="count-firing">{counts.firingAlerts}</strong> firing{' '}
            {counts.firingAlerts === 1 ? 'alert' : 'alerts'}
          </a>
          {counts.pendingAlerts ? ` (${counts.pendingAlerts} pending)` : ''}
        </li>
        {/* Acknowledged is not resolved: an acknowledged incident still counts, and still reads red. */}
        <li class={unresolved ? 'bad' : ''}>
          <a href="/incidents">
            <strong data-testid="count-incidents">{unresolved}</strong> unresolved{' '}
            {unresolved === 1 ? 'incident' : 'incidents'}
          </a>
          {counts.acknowledgedIncidents ? ` (${counts.acknowledgedIncidents} acknowledged)` : ''}
        </li>
      </ul>
      <form class="filters" aria-label="Filter checks" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search
          <input
            type="search"
            value={search}
            placeholder="name, kind or label=value"
            onInput={(e) => setSearch(e.currentTarget.value)}
          />
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.currentTarget.value)}>
            <option value="all">All</option>
            <option value="failing">Not up</option>
            <option value="down">Down</option>
            <option value="critical">Critical</option>
            <option value="warning">Warning</option>
            <option value="unknown">Unknown</option>
            <option value="ok">Up</option>
          </select>
        </label>
        <label>
          Group by
          <select
            value={key}
            onChange={(e) => {
              setGroupBy(e.currentTarget.value);
              localStorage.setItem('vigil.groupBy', e.currentTarget.value);
            }}
          >
            <option value="">(none)</option>
            {labelKeys.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
      </form>
      {data.checks.length === 0 ? (
        <p>
          No checks are configured yet: add some under <code>checks:</code> in vigil.yaml.
        </p>
      ) : (
        <>
          <div class="check-row check-head" aria-hidden="true">
            <span class="badge">Status</span>
            <span class="name">Check</span>
            <span class="kind">Kind</span>
            <span class="latency">Latency</span>
            <span class="spark-head">Hourly, 24 h</span>
            <span class="avail">Uptime</span>
            <span class="when">Last run</span>
            <span class="firing">Alerts</span>
            <span class="msg">Message</span>
          </div>
          <VirtualList
            items={rows}
            rowHeight={44}
            label="Checks"
            render={(r) =>
              'header' in r ? (
                <li class="group-row" key={`g:${r.header}`}>
                  <h2>{r.header}</h2>
                  <span>
                    {plural(r.count, 'check')}
                    {r.down ? `, ${r.down} down` : ''}
                  </span>
                </li>
              ) : (
                <CheckLine key={r.check.name} c={r.check} />
              )
            }
          />
        </>
      )}
    </section>
  );
}

function CheckLine({ c }: { c: CheckRow }) {
  return (
    <li class={`check-row st-${look(c)}`} data-check={c.name} data-status={c.status}>
      {/* a check run from several places that fails below its quorum is degraded, not merely warned */}
      <StatusBadge status={look(c)} word={c.locations && c.status === 'warning' ? 'Degraded' : undefined} />
      <a class="name" href={`/checks/${encodeURIComponent(c.name)}`}>
        {c.name}
      </a>
      <span class="kind">{c.kind}</span>
      <span class="latency" title="last latency">
        {millis(c.lastMs)}
      </span>
      <Spark values={c.spark} label={`${c.name}: hourly availability, last 24 hours`} />
      <span class="avail" title="availability, last 24 hours">
        {percent(c.availability)}
      </span>
      <span class="when">{ago(c.lastAt)}</span>
      {c.firing ? (
        <span class="firing" title="firing alerts">
          ▲ {c.firing}
        </span>
      ) : (
        <span class="firing" />
      )}
      {c.message ? (
        <span class="msg" title={c.message}>
          {c.message}
        </span>
      ) : null}
    </li>
  );
}
