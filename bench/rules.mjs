// Rule evaluation benchmark: 500 rules over N series in the SQLite store.
//   npm run bench:rules            (N = 10,000 and 100,000; BENCH_SERIES=10000,100000,1000000 to choose)
// Writes N series (100 metrics, N/100 series each, one sample every 15 s for 10 minutes) as a
// running daemon would, then times whole evaluation cycles of one group of 500 rules.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GroupState } from '../dist/alerting/group.js';
import { parsePromQL } from '../dist/metrics/promql/index.js';
import { openStore } from '../dist/store/store.js';

const sizes = (process.env.BENCH_SERIES ?? '10000,100000').split(',').map(Number);
const cycles = Number(process.env.BENCH_CYCLES ?? 3);
const metrics = 100;
const now = Date.UTC(2026, 10, 27, 12, 0, 0);
const step = 15_000;
const points = 40;

function rules() {
  const out = [];
  for (let i = 0; i < 500; i++) {
    const m = `bench_metric_${i % metrics}`;
    const c = `bench_requests_total_${i % metrics}`;
    const kind = i % 5;
    const expr =
      kind === 0
        ? `${m} > 0.95`
        : kind === 1
          ? `avg by (job) (${m}) > 0.9`
          : kind === 2
            ? `sum by (job) (rate(${c}[5m])) > 1000`
            : kind === 3
              ? `max by (instance) (${m}{job=~"job-[0-4]"}) > 0.99`
              : `count(${m} > 0.5) > 1e9`;
    out.push({
      type: 'alert',
      name: `Bench${i}`,
      query: { text: expr, expr: parsePromQL(expr) },
      forMs: 60_000,
      keepFiringForMs: 0,
      labels: {},
      annotations: {},
      noData: 'ok',
      onError: 'keep_last_state',
      where: 'bench',
    });
  }
  return {
    id: 'bench',
    name: 'bench',
    file: 'bench',
    intervalMs: 15_000,
    queryOffsetMs: 0,
    limit: 0,
    rules: out,
  };
}

const rows = [];
for (const n of sizes) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-rules-'));
  const labelSets = Array.from({ length: n / metrics }, (_, s) => ({
    job: `job-${s % 10}`,
    instance: `host-${s}:9100`,
  }));
  // the head starts with the seeded window, as if Vigil had been writing it live
  const store = await openStore(`sqlite:${path.join(dir, 'v.db')}`, { now: () => now - points * step });
  const perMetric = n / metrics;
  const seedStart = performance.now();
  // Point by point, all series at each step, as checks write them live. After the first
  // step one evaluation runs, which makes the rules' metrics hot in the head; everything
  // after is kept in memory, as in a running daemon.
  const state0 = new GroupState(rules());
  for (let p = 0; p < points; p++) {
    const ts = now - (points - 1 - p) * step;
    let extra = [];
    for (let m = 0; m < metrics; m++) {
      for (let s = 0; s < perMetric; s++) {
        const labels = labelSets[s];
        extra.push({ name: `bench_metric_${m}`, labels, ts, value: ((s * 7 + p) % 100) / 100 });
        extra.push({ name: `bench_requests_total_${m}`, labels, ts, value: s * 10 + p * 15 });
        if (extra.length >= 50_000) {
          await store.record([], extra);
          extra = [];
        }
      }
    }
    await store.record([], extra);
    if (p === 0) await state0.evaluate(ts, store.queryable);
  }
  const seedS = (performance.now() - seedStart) / 1000;
  const state = new GroupState(rules());
  const times = [];
  for (let c = 0; c < cycles; c++) {
    const t0 = performance.now();
    const { samples } = await state.evaluate(now - (cycles - 1 - c) * 1000, store.queryable);
    times.push(performance.now() - t0);
    if (c === 0)
      rows.push({ n, errors: state.health.filter((h) => h.health === 'err').length, alerts: samples.length });
  }
  const r = rows.at(-1);
  Object.assign(r, {
    seedS,
    first: times[0],
    median: [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)],
    rss: process.memoryUsage().rss / 2 ** 20,
  });
  await store.close();
  rmSync(dir, { recursive: true, force: true });
  console.error(`${n} series: cycles ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
}

const cpu = os.cpus()[0]?.model ?? 'unknown';
console.log(
  `\nRule evaluation, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpu}, ${os.cpus().length} cores, Node ${process.version}`,
);
console.log(
  '\n| series | samples seeded | seed s | first cycle ms | median cycle ms | rule errors | RSS MiB |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) {
  console.log(
    `| ${r.n.toLocaleString('en')} | ${(r.n * points * 2).toLocaleString('en')} | ${r.seedS.toFixed(1)} | ${r.first.toFixed(0)} | ${r.median.toFixed(0)} | ${r.errors} | ${r.rss.toFixed(0)} |`,
  );
}
