import type { FastifyPluginAsync } from 'fastify';
import { answered } from '../../checks/types.js';
import type { CheckConfig } from '../../config/schema.js';
import { bucketOf, resolutions } from '../../core/buckets.js';
import { Cached } from '../../services/cached.js';
import type { AppDeps } from '../deps.js';

/** Hourly sparkline: the 24 whole hours before this one plus the hour in progress. */
const sparkHours = 25;
/** How stale the sparklines may be: they show hours, and a run's status shows live anyway. */
const sparkTtlMs = 30_000;

/**
 * `GET /api/v1/overview`: everything the dashboard's first screen shows, in one
 * payload built from three aggregate reads (latest state, hourly rollups,
 * alerts in memory), however many checks there are — never a query per check.
 */
export const overviewRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    const hourly = new Cached(
      () => {
        const now = deps.clock.now();
        return deps.store.rollups.grid(
          'h',
          bucketOf(now, 'h') - sparkHours * resolutions.h,
          now + resolutions.h,
        );
      },
      deps.clock,
      sparkTtlMs,
      (e) => app.log.error({ err: e }, 'reading the overview sparklines failed; showing the previous ones'),
    );
    // Every check's latest state as stored (other nodes' runs included), re-read at most every
    // 2 s; this node's own newer runs are laid over it from the monitor, so nothing shown is late.
    const stored = new Cached(() => deps.store.checks.all(), deps.clock, 2000);
    // Each check's name, kind, labels, sparkline and availability, as JSON text laid out once per
    // grid read, hour and config: at 20,000 checks building and serialising them per request
    // (500,000 hourly ratios, each a boxed number and then a string) was most of the request's
    // time and nearly all of its garbage. Only what changes from run to run is written per request.
    let sparks: SparkLines | undefined;
    let lastOf: { states: unknown; map: Map<string, StoredLast | undefined> } | undefined;
    app.get('/overview', async (_req, reply) => {
      const now = deps.clock.now();
      const first = bucketOf(now, 'h') - (sparkHours - 1) * resolutions.h;
      const [states, grid, incidents] = await Promise.all([
        stored.get(),
        hourly.get(),
        deps.store.incidents.list({ limit: 10_000 }),
      ]);
      if (lastOf?.states !== states) lastOf = { states, map: new Map(states.map((s) => [s.name, s.last])) };
      const last = lastOf.map;

      const checks = deps.config().config.checks;
      if (sparks?.grid !== grid || sparks.first !== first || sparks.checks !== checks)
        sparks = sparkLines(grid, first, checks);
      const { head, rowMemo } = sparks;

      const alerts = deps.rules.groups.flatMap((g) => g.activeAlerts());
      const firingByCheck = new Map<string, number>();
      let firing = 0;
      let pending = 0;
      for (const a of alerts) {
        if (a.state === 'firing') {
          firing++;
          const c = a.labels.check;
          if (c !== undefined) firingByCheck.set(c, (firingByCheck.get(c) ?? 0) + 1);
        } else if (a.state === 'pending') pending++;
      }

      const byStatus: Record<string, number> = { ok: 0, warning: 0, critical: 0, unknown: 0, pending: 0 };
      let down = 0;
      const rows = checks.map((c, ci) => {
        const run = deps.monitor.lastResult(c.name);
        const kept = last.get(c.name);
        const fresh = run !== undefined && run.startedAt >= (kept?.at ?? 0);
        const status = (fresh ? run.status : kept?.status) ?? 'pending';
        byStatus[status] = (byStatus[status] ?? 0) + 1;
        // Down is unreachable; a critical check that answered (a busy host) is in trouble, not down.
        if (fresh ? !answered(run) : kept && !kept.up) down++;
        // A row changes only with the check's newest run and its firing alerts: written again only then.
        const src = fresh ? run : kept;
        const firingHere = firingByCheck.get(c.name) ?? 0;
        const memo = rowMemo[ci];
        if (memo && memo.src === src && memo.firing === firingHere) return memo.json;
        const l: StoredLast | undefined = fresh
          ? {
              at: run.startedAt,
              status: run.status,
              durationMs: run.durationMs,
              message: run.message,
              up: answered(run),
            }
          : kept;
        const row = `${head[ci]}"status":${JSON.stringify(status)},"up":${json(l ? l.up : null)},"lastAt":${json(l?.at)},"lastMs":${json(l ? Math.round(l.durationMs * 10) / 10 : null)}${
          // A passing check's message says nothing the status does not; failing ones say why.
          l && status !== 'ok' ? `,"message":${JSON.stringify(String(l.message ?? ''))}` : ''
        },"firing":${firingHere}}`;
        rowMemo[ci] = { src, firing: firingHere, json: row };
        return row;
      });

      const counts = {
        checks: checks.length,
        ...byStatus,
        down,
        firingAlerts: firing,
        pendingAlerts: pending,
        openIncidents: incidents.filter((i) => i.status === 'open').length,
        acknowledgedIncidents: incidents.filter((i) => i.status === 'acknowledged').length,
      };
      reply.type('application/json; charset=utf-8');
      return `{"generatedAt":${json(now)},"sparkStart":${json(first)},"sparkStepMs":${json(resolutions.h)},"counts":${JSON.stringify(counts)},"checks":[${rows.join(',')}]}`;
    });
  };

/** A number, boolean or null as JSON; what JSON has no word for (NaN, undefined) is null. */
function json(v: number | boolean | null | undefined): string {
  return typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) ? String(v) : 'null';
}

interface SparkLines {
  grid: { check: string[]; bucket: number[]; runs: number[]; up: number[] };
  first: number;
  checks: readonly CheckConfig[];
  /**
   * per check, in config order: the start of its row as JSON, up to and with the comma before
   * `status` — name, kind, labels, locations (how many places run it: a warning is then a verdict
   * below the quorum, "degraded"), availability (up over runs across the sparkline's hours, null
   * without runs) and spark (the hourly up ratios, null for an hour without runs)
   */
  head: string[];
  /** per check: its whole row as last written, and the run and firing count it was written from */
  rowMemo: ({ src: unknown; firing: number; json: string } | undefined)[];
}

/** a check's newest run as the overview shows it */
interface StoredLast {
  at: number;
  status: string;
  durationMs: number;
  message: string;
  up: boolean;
}

/** The grid's rows summed per check and hour from `first` on. */
function sparkLines(grid: SparkLines['grid'], first: number, checks: readonly CheckConfig[]): SparkLines {
  const index = new Map(checks.map((c, i) => [c.name, i]));
  const runs = new Float64Array(checks.length * sparkHours);
  const up = new Float64Array(checks.length * sparkHours);
  for (let i = 0; i < grid.check.length; i++) {
    const c = index.get(grid.check[i]!);
    const h = (grid.bucket[i]! - first) / resolutions.h;
    if (c === undefined || h < 0 || h >= sparkHours) continue;
    const k = c * sparkHours + h;
    runs[k] = runs[k]! + grid.runs[i]!;
    up[k] = up[k]! + grid.up[i]!;
  }
  const head: string[] = [];
  for (let ci = 0; ci < checks.length; ci++) {
    const c = checks[ci]!;
    let r = 0;
    let u = 0;
    // Ratios rounded to 0.1%: the sparkline cannot show more, and the payload stays small.
    const line: (number | null)[] = [];
    for (let h = 0; h < sparkHours; h++) {
      const hr = runs[ci * sparkHours + h]!;
      const hu = up[ci * sparkHours + h]!;
      r += hr;
      u += hu;
      line.push(hr ? Math.round((hu / hr) * 1000) / 1000 : null);
    }
    const availability = r ? Math.round((u / r) * 100_000) / 100_000 : null;
    head.push(
      `{"name":${JSON.stringify(c.name)},"kind":${JSON.stringify(c.kind)},"labels":${JSON.stringify(c.labels ?? {})},${
        c.locations ? `"locations":${c.locations.length},` : ''
      }"availability":${json(availability)},"spark":[${line.map(json).join(',')}],`,
    );
  }
  return { grid, first, checks, head, rowMemo: [] };
}
