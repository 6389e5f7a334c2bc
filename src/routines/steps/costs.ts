import path from 'node:path';
import { z } from 'zod';
import { size } from '../../config/types.js';
import { applyRetention } from '../../core/retention.js';
import { money, monthStart, nextMonthStart, summarise } from '../../costs/analysis.js';
import type { BillingFile, CostLine } from '../../costs/billing.js';
import type { Finding } from '../types.js';
import { fmtPct, percentile, type StepKind } from './types.js';

const gib = 1024 ** 3;

const schema = z.strictObject({
  /** a folder (or file) of billing exports: AWS CUR, GCP billing or Azure cost CSVs */
  exports: z.string().min(1).optional(),
  /** Vigil's own observation: each host check's size, priced by `prices` */
  hosts: z
    .array(
      z.strictObject({
        check: z.string().min(1),
        cores: z.number().positive(),
        memory: size(),
        disk: size().default(0),
      }),
    )
    .default([]),
  /** prices per month: a CPU core, a GiB of memory, of disk, of the backup repository */
  prices: z
    .strictObject({
      cpu_core: z.number().nonnegative().default(0),
      memory_gib: z.number().nonnegative().default(0),
      disk_gib: z.number().nonnegative().default(0),
      backup_gib: z.number().nonnegative().default(0),
    })
    .prefault({}),
  currency: z.string().length(3).default('USD'),
  /** a host whose p95 CPU stays under this is idle */
  idle_cpu: z.number().min(0).max(1).default(0.1),
  /** a disk under this full is oversized */
  low_disk: z.number().min(0).max(1).default(0.3),
  /** a forecast this much over last month needs attention */
  rise: z.number().min(0).default(0.2),
});
type Spec = z.output<typeof schema>;

/** The monthly cost of what Vigil observes: hosts by size, the backup repository by its bytes. */
async function observed(spec: Spec, ctx: Parameters<StepKind<Spec>['run']>[1]) {
  const items: { item: string; monthly: number }[] = [];
  for (const h of spec.hosts)
    items.push({
      item: h.check,
      monthly:
        h.cores * spec.prices.cpu_core +
        (h.memory / gib) * spec.prices.memory_gib +
        (h.disk / gib) * spec.prices.disk_gib,
    });
  if (spec.prices.backup_gib > 0) {
    const bytes = (await ctx.store.backups.list()).reduce((s, b) => s + (b.size ?? 0), 0);
    items.push({ item: 'backups', monthly: (bytes / gib) * spec.prices.backup_gib });
  }
  return items;
}

/** Hosts idle over the period, disks mostly empty, backups kept past their rules. */
async function opportunities(spec: Spec, ctx: Parameters<StepKind<Spec>['run']>[1]): Promise<string[]> {
  const out: string[] = [];
  const q = (name: string) =>
    ctx.store.queryable.select([{ name: '__name__', type: '=', value: name }], ctx.period.from, ctx.now);
  const byCheck = new Map<string, number[]>();
  for (const s of await q('cpu_usage')) {
    const check = s.labels.check ?? '?';
    const vs = s.points.filter((p) => !p.stale && Number.isFinite(p.v)).map((p) => p.v);
    byCheck.set(check, [...(byCheck.get(check) ?? []), ...vs]);
  }
  for (const [check, vs] of [...byCheck].sort()) {
    if (vs.length < 12) continue; // too few samples to call a host idle
    const p95 = percentile(
      [...vs].sort((a, b) => a - b),
      0.95,
    )!;
    if (p95 < spec.idle_cpu) out.push(`${check} idle (p95 CPU ${fmtPct(p95, 0)})`);
  }
  for (const s of await q('disk_usage')) {
    const last = s.points.filter((p) => !p.stale).at(-1);
    if (last && last.v < spec.low_disk)
      out.push(`${s.labels.check ?? '?'} ${s.labels.mount ?? 'disk'} ${fmtPct(last.v, 0)} full`);
  }
  for (const job of ctx.config.backups.jobs) {
    if (!job.keep) continue;
    const list = await ctx.store.backups.list({ job: job.name });
    if (!list.length) continue;
    const decisions = applyRetention(
      list.map((b) => ({ id: b.id, time: b.startedAt, complete: b.sha256 !== null })),
      job.keep,
      ctx.config.backups.timezone,
    );
    const extra = decisions.filter((d) => !d.keep).map((d) => list.find((b) => b.id === d.id)!);
    if (extra.length) {
      const bytes = extra.reduce((s, b) => s + (b.size ?? 0), 0);
      out.push(
        `backups of ${job.name}: ${extra.length} kept beyond its retention rules (${(bytes / gib).toFixed(1)} GiB)`,
      );
    }
  }
  return out;
}

/**
 * What the infrastructure costs and where it can shrink: month to date, a forecast to the
 * month's end, the change against last month and the five biggest items, from billing exports
 * and from what Vigil observes, with the opportunities it sees in its own series.
 */
export const costs: StepKind<Spec> = {
  schema,
  title: () => 'Costs',
  series: {
    cost_month_to_date: { help: 'Infrastructure cost this month so far', labels: ['currency'] },
    cost_forecast: { help: "Infrastructure cost forecast to the month's end", labels: ['currency'] },
    cost_last_month: { help: 'Infrastructure cost last month', labels: ['currency'] },
    cost_opportunities: { help: 'Savings opportunities seen (idle hosts, empty disks, extra backups)' },
  },
  async run(spec, ctx) {
    const files: BillingFile[] = spec.exports
      ? await (await import('../../costs/billing.js')).readBilling(path.resolve(ctx.baseDir, spec.exports))
      : [];
    const bad = files.filter((f) => f.error);
    const lines: CostLine[] = files.flatMap((f) => f.lines);
    const own = await observed(spec, ctx);
    if (!spec.exports && !own.length)
      return {
        status: 'skipped',
        reason: 'neither exports nor hosts with prices configured',
        summary: 'no billing export or priced hosts configured',
        findings: [],
      };
    const monthly = own.reduce((s, o) => s + o.monthly, 0);
    const sum = summarise(lines, ctx.now, monthly);
    const currency = lines.length ? sum.currency : spec.currency;
    const elapsed = (ctx.now - monthStart(ctx.now)) / (nextMonthStart(ctx.now) - monthStart(ctx.now));
    const top = [...sum.top, ...own.map((o) => ({ item: o.item, cost: o.monthly * elapsed }))]
      .sort((a, b) => b.cost - a.cost)
      .slice(0, 5);
    const opp = await opportunities(spec, ctx);
    const change =
      sum.change === null
        ? ''
        : ` (${sum.change >= 0 ? '+' : ''}${Math.round(sum.change * 100)}% on last month)`;
    const head = `${money(sum.monthToDate, currency)} this month, forecast ${money(sum.forecast, currency)}${change}`;
    const findings: Finding[] = [
      ...bad.map((f) => ({ status: 'failed' as const, text: `${f.file}: ${f.error}` })),
      ...top.map((t, i) => ({
        status: 'ok' as const,
        text: `${i + 1}. ${t.item}: ${money(t.cost, currency)}`,
      })),
      ...opp.map((text) => ({ status: 'attention' as const, text })),
    ];
    if (sum.change !== null && sum.change > spec.rise)
      findings.push({
        status: 'attention',
        text: `the forecast is ${Math.round(sum.change * 100)}% over last month`,
      });
    const state = {
      monthToDate: sum.monthToDate,
      forecast: sum.forecast,
      lastMonth: sum.lastMonth,
      currency,
      opportunities: opp.length,
    };
    if (bad.length)
      return {
        status: 'failed',
        reason: bad.map((f) => `${path.basename(f.file)}: ${f.error}`).join('; '),
        summary: `${head}; ${bad.length} billing export${bad.length === 1 ? '' : 's'} not read: ${path.basename(bad[0]!.file)}: ${bad[0]!.error}`,
        findings,
        state,
      };
    const needs = opp.length > 0 || (sum.change !== null && sum.change > spec.rise);
    const labels = { currency };
    return {
      status: needs ? 'attention' : 'ok',
      summary: opp.length
        ? `${head}; ${opp.slice(0, 2).join(', ')}${opp.length > 2 ? ` and ${opp.length - 2} more` : ''}`
        : head,
      findings,
      state,
      series: [
        { name: 'cost_month_to_date', labels, value: sum.monthToDate },
        { name: 'cost_forecast', labels, value: sum.forecast },
        ...(sum.lastMonth === null ? [] : [{ name: 'cost_last_month', labels, value: sum.lastMonth }]),
        { name: 'cost_opportunities', value: opp.length },
      ],
    };
  },
};
