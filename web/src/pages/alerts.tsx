import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { alertValue, labelText, time } from '../format';
import { onLive } from '../live';
import { ChannelsSection } from '../parts/channels';
import { StatusBadge } from '../parts/status';
import { SilenceForm } from './silences';

interface Active {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: string;
  activeAt?: string;
  firedAt?: string;
  value: string;
  /** the silence or the alert that keeps it from being sent */
  silencedBy?: string | null;
  inhibitedBy?: string | null;
}
interface Transition {
  at: string;
  rule: string;
  labels: Record<string, string>;
  from: string;
  to: string;
  value: number | null;
  reason: string;
  /** with ?collapse: transitions this row stands for, firings among them, the oldest one's time */
  count?: number;
  firings?: number;
  since?: string;
}

/** One alert firing again within this span of its last change is a flap: one row, with a count. */
const flapSpan = '1h';

interface Rule {
  name: string;
  query: string;
  type: 'alerting' | 'recording';
  duration?: number;
  labels: Record<string, string>;
  state?: 'firing' | 'pending' | 'inactive';
  health: string;
  lastError: string;
}

/** "5m", "1h30m", "90s": a rule's `for` as vigil.yaml writes it. */
function forText(seconds: number | undefined): string {
  if (!seconds) return '—';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}`;
}

export function AlertsPage({ canOperate }: { canOperate: boolean }) {
  const [active, setActive] = useState<Active[] | null>(null);
  const [history, setHistory] = useState<Transition[]>([]);
  const [silencing, setSilencing] = useState<Active | null>(null);
  const [rules, setRules] = useState<Rule[]>([]);
  const [tick, setTick] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [byState, setByState] = useState('');
  const [byRule, setByRule] = useState('');
  const [collapse, setCollapse] = useState(true);

  useEffect(() => {
    api<{ data: { alerts: Active[] } }>('/alerts').then(
      (r) => setActive(r.data.alerts),
      (e: Error) => setError(e.message),
    );
    api<{ data: { groups: { rules: Rule[] }[] } }>('/rules').then(
      (r) => setRules(r.data.groups.flatMap((g) => g.rules).filter((x) => x.type === 'alerting')),
      () => {},
    );
  }, [tick]);
  useEffect(() => {
    const q = new URLSearchParams({ limit: '1000' });
    if (byState) q.set('state', byState);
    if (byRule) q.set('rule', byRule);
    if (collapse) q.set('collapse', flapSpan);
    api<{ transitions: Transition[] }>(`/alerts/history?${q}`).then(
      (r) => setHistory(r.transitions.slice(0, 200)),
      () => {},
    );
  }, [tick, byState, byRule, collapse]);
  useEffect(() => onLive((e) => e.type === 'alert' && setTick((t) => t + 1)), []);

  if (error)
    return (
      <p role="alert" class="error">
        {error}
      </p>
    );
  if (!active) return <p aria-busy="true">Loading…</p>;
  const queryOf = new Map(rules.map((r) => [r.name, r.query]));
  const sorted = [...active].sort((a, b) => (a.state === b.state ? 0 : a.state === 'firing' ? -1 : 1));
  return (
    <section aria-labelledby="alerts-title">
      <h1 id="alerts-title">Alerts</h1>
      <h2>Firing and pending</h2>
      {sorted.length === 0 ? (
        <p>Nothing is firing or pending.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">State</th>
              <th scope="col">Alert</th>
              <th scope="col">Labels</th>
              <th scope="col">Value</th>
              <th scope="col">Since</th>
              <th scope="col">
                <span class="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((a) => {
              const { alertname, ...rest } = a.labels;
              return (
                <tr key={labelText(a.labels)} data-alert={alertname}>
                  <td>
                    <StatusBadge status={a.state} />
                    {a.silencedBy ? <div class="hint">silenced</div> : null}
                    {a.inhibitedBy ? <div class="hint">inhibited by {a.inhibitedBy}</div> : null}
                  </td>
                  <td>
                    <strong>{alertname}</strong>
                    {a.annotations.summary ? <div class="hint">{a.annotations.summary}</div> : null}
                  </td>
                  <td class="labels">{labelText(rest)}</td>
                  <td>{alertValue(a.value, queryOf.get(alertname ?? ''))}</td>
                  <td>{time(a.firedAt ?? a.activeAt)}</td>
                  <td>
                    {canOperate && !a.silencedBy ? (
                      <button type="button" onClick={() => setSilencing(a)}>
                        Silence…
                      </button>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {silencing ? (
        <SilenceForm
          initial={Object.entries(silencing.labels)
            .filter(([k]) => k === 'alertname' || k === 'check' || k === 'instance')
            .map(([k, v]) => `${k}="${v}"`)}
          onDone={() => {
            setSilencing(null);
            setTick((t) => t + 1);
          }}
        />
      ) : null}
      <h2>Rules</h2>
      {rules.length === 0 ? (
        <p>
          No alert rules yet: add them under <code>alerts:</code> or <code>rule_files:</code> in vigil.yaml.
        </p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">State</th>
              <th scope="col">Rule</th>
              <th scope="col">Condition</th>
              <th scope="col">For</th>
              <th scope="col">Severity</th>
            </tr>
          </thead>
          <tbody>
            {rules.map((r) => (
              <tr key={`${r.name}\u0000${labelText(r.labels)}`} data-rule={r.name}>
                <td>
                  {r.health === 'err' ? (
                    <StatusBadge status="unknown" />
                  ) : (
                    <StatusBadge status={r.state ?? 'inactive'} />
                  )}
                  {r.lastError ? <div class="hint">{r.lastError}</div> : null}
                </td>
                <td>
                  <strong>{r.name}</strong>
                </td>
                <td>
                  <code>{r.query}</code>
                </td>
                <td>{forText(r.duration)}</td>
                <td>{r.labels.severity ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>History</h2>
      <form class="filters" aria-label="Filter alert history" onSubmit={(e) => e.preventDefault()}>
        <label>
          Alert
          <select value={byRule} onChange={(e) => setByRule(e.currentTarget.value)}>
            <option value="">All alerts</option>
            {rules.map((r) => (
              <option key={r.name} value={r.name}>
                {r.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Changed to
          <select value={byState} onChange={(e) => setByState(e.currentTarget.value)}>
            <option value="">Any state</option>
            <option value="firing">Firing</option>
            <option value="pending">Pending</option>
            <option value="inactive">Resolved or cleared</option>
          </select>
        </label>
        <label class="inline">
          <input type="checkbox" checked={collapse} onChange={(e) => setCollapse(e.currentTarget.checked)} />{' '}
          Collapse flaps (one alert firing again within {flapSpan})
        </label>
      </form>
      {history.length === 0 ? (
        <p>
          {byState || byRule
            ? 'No alert changes match in the last 7 days.'
            : 'No alert changes in the last 7 days.'}
        </p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Alert</th>
              <th scope="col">Change</th>
              <th scope="col">Labels</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {history.map((t, i) => (
              <tr key={i} data-flap={t.count && t.count > 1 ? t.count : undefined}>
                <td>
                  {time(t.at)}
                  {t.count && t.count > 1 && t.since ? <div class="hint">since {time(t.since)}</div> : null}
                </td>
                <td>
                  {t.rule}
                  {t.count && t.count > 1 ? (
                    <div class="hint flap">
                      flapping: fired {t.firings} times, {t.count} changes
                    </div>
                  ) : null}
                </td>
                <td>
                  {t.from} → <StatusBadge status={t.to} />
                  {t.value !== null ? (
                    <div class="hint">{alertValue(t.value, queryOf.get(t.rule))}</div>
                  ) : null}
                </td>
                <td class="labels">{labelText(t.labels)}</td>
                <td>{t.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ChannelsSection canOperate={canOperate} />
    </section>
  );
}
