// bench:dashboard — the dashboard at 20,000 checks with 30 days of history: the overview API's
// server time and payload, the overview's first render in headless Chromium, and the 90-day
// check-detail chart. Run from the built package (npm run build first; the npm script does).
//   BENCH_CHECKS=20000   how many checks (the goals are stated at 20,000)
//   BENCH_DAYS=30        days of hourly and daily rollups per check
//   BENCH_KEEP=1         keep the work directory (the seeded database)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { chromium } from 'playwright-core';
import { Registry } from 'prom-client';
import { parseConfig } from '../dist/config/loader.js';
import { systemClock } from '../dist/core/clock.js';
import { buildApp } from '../dist/server/app.js';
import { EventHub } from '../dist/services/events.js';
import { Monitor } from '../dist/services/monitor.js';
import { RuleService } from '../dist/services/rules.js';
import { openStore } from '../dist/store/store.js';
import { gitDescribe, machine, mdTable, median, quantile, writeSection } from './harness.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const checks = Number(process.env.BENCH_CHECKS ?? 20000);
const days = Number(process.env.BENCH_DAYS ?? 30);
const hour = 3_600_000;
const day = 86_400_000;
const chromiumPath = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
// better-sqlite3 handles stay reachable for the life of the process (Node 24 aborts otherwise).
const handles = [];

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-bench-dashboard-'));
const dbFile = path.join(dir, 'vigil.db');
const name = (i) => `check-${String(i).padStart(5, '0')}`;

function configYaml() {
  const lines = ['checks:'];
  for (let i = 0; i < checks; i++) {
    lines.push(
      `  - name: ${name(i)}`,
      '    heartbeat: { period: 1h, grace: 5m }',
      `    labels: { team: team-${i % 25}, tier: ${i % 3 ? 'internal' : 'public'} }`,
    );
  }
  lines.push('status_page:', '  groups:', '    - name: Public', '      match: { tier: public }');
  return lines.join('\n');
}

/**
 * History written straight into the store's tables, as 30 s runs would have left it: hourly and
 * daily rollups (what the overview, charts and status page read) and each check's latest state.
 * Writing 400 million raw runs through the daemon would take hours and is not what is measured.
 */
function seed(now) {
  const db = new Database(dbFile);
  handles.push(db);
  const rollup = db.prepare(
    'insert into rollups (resolution, bucket, check_name, runs, up, duration_sum, duration_max) values (?, ?, ?, ?, ?, ?, ?)',
  );
  const state = db.prepare(
    'insert into checks (name, kind, first_seen, last_at, last_status, last_message, last_duration_ms) values (?, ?, ?, ?, ?, ?, ?)',
  );
  const result = db.prepare(
    'insert into check_results (check_name, started_at, duration_ms, status, message) values (?, ?, ?, ?, ?)',
  );
  handles.push(rollup, state, result);
  const firstHour = Math.floor((now - days * day) / hour) * hour;
  const hours = Math.ceil((now - firstHour) / hour);
  let rng = 42;
  const random = () => {
    rng = (rng * 1103515245 + 12345) % 2147483648;
    return rng / 2147483648;
  };
  db.transaction(() => {
    for (let c = 0; c < checks; c++) {
      const n = name(c);
      const flaky = c % 50 === 0;
      const daily = new Map();
      for (let h = 0; h < hours; h++) {
        const bucket = firstHour + h * hour;
        const runs = 120;
        const up = flaky && random() < 0.05 ? Math.floor(random() * runs) : runs;
        const avg = 20 + random() * 80;
        rollup.run('h', bucket, n, runs, up, avg * runs, avg * 3);
        const d = Math.floor(bucket / day) * day;
        const acc = daily.get(d) ?? [0, 0, 0, 0];
        daily.set(d, [acc[0] + runs, acc[1] + up, acc[2] + avg * runs, Math.max(acc[3], avg * 3)]);
      }
      for (const [d, [runs, up, sum, max]] of daily) rollup.run('d', d, n, runs, up, sum, max);
      const down = c % 100 === 7;
      state.run(
        n,
        'heartbeat',
        firstHour,
        now - 10_000,
        down ? 'critical' : 'ok',
        down ? 'no ping for 2h' : 'pinged 10s ago',
        1,
      );
      if (flaky) for (let k = 0; k < 20; k++) result.run(n, now - k * hour, 5, 'critical', 'no ping');
    }
  })();
  db.close();
}

async function timed(fn) {
  const t = process.hrtime.bigint();
  const out = await fn();
  return { ms: Number(process.hrtime.bigint() - t) / 1e6, out };
}

const now = Date.now();
let app;
let store;
let browser;
try {
  const loaded = parseConfig(configYaml(), 'vigil.yaml', {});
  // The store creates its schema; the history goes in underneath; then the store is reopened.
  await (await openStore(`sqlite:${dbFile}`)).close();
  const seedTime = await timed(() => seed(now));
  console.log(`seeded ${checks} checks × ${days} days in ${(seedTime.ms / 1000).toFixed(1)} s`);
  store = await openStore(`sqlite:${dbFile}`);
  const monitor = new Monitor({
    clock: systemClock,
    heartbeats: store.heartbeats,
    record: () => {},
    concurrency: 4,
  });
  const rules = new RuleService({
    clock: systemClock,
    queryable: store.queryable,
    record: () => {},
    onTransitions: () => {},
  });
  app = buildApp({
    store,
    clock: systemClock,
    config: () => loaded,
    monitor,
    rules,
    queryable: store.queryable,
    metrics: new Registry(),
    version: 'bench',
    events: new EventHub(),
    webRoot: path.join(repoRoot, 'dist', 'web'),
  });

  // Overview API: server time as Fastify sees it (inject: no socket), and payload size.
  const apiTimes = [];
  let payload = '';
  for (let i = 0; i < 25; i++) {
    const r = await timed(() => app.inject('/api/v1/overview'));
    if (r.out.statusCode !== 200) throw new Error(`overview answered ${r.out.statusCode}: ${r.out.body}`);
    if (i >= 5) apiTimes.push(r.ms);
    payload = r.out.body;
  }
  apiTimes.sort((a, b) => a - b);
  const parsed = JSON.parse(payload);
  if (parsed.checks.length !== checks) throw new Error(`overview has ${parsed.checks.length} checks`);
  const seriesTimes = [];
  let series;
  for (let i = 0; i < 10; i++) {
    const r = await timed(() => app.inject(`/api/v1/checks/${name(50)}/series?range=90d`));
    seriesTimes.push(r.ms);
    series = JSON.parse(r.out.body);
  }
  seriesTimes.sort((a, b) => a - b);
  const statusTimes = [];
  for (let i = 0; i < 10; i++) statusTimes.push((await timed(() => app.inject('/api/v1/status'))).ms);
  statusTimes.sort((a, b) => a - b);

  // The browser: first render of the overview (navigation start → first check row in the DOM).
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  // chromium.launch gives the browser its own fresh, temporary --user-data-dir.
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const viewport = { width: 1280, height: 900 };
  const measure = async (page) => {
    await page.goto(`${url}/`, { waitUntil: 'commit' });
    // Measured in the page, on the frame the first row appears in (not after a round trip to it).
    const render = await (
      await page.waitForFunction(() => document.querySelector('li[data-check]') && performance.now(), null, {
        polling: 'raf',
      })
    ).jsonValue();
    const at = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const api = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/api/v1/overview'));
      return {
        dcl: nav?.domContentLoadedEventEnd ?? 0,
        apiStart: api?.startTime ?? 0,
        apiEnd: api?.responseEnd ?? 0,
      };
    });
    const rows = await page.locator('li[data-check]').count();
    if (rows > 200) throw new Error(`${rows} rows in the DOM: the list is not virtualised`);
    return { ...at, render, rows };
  };
  // The browser's own first start (its processes, its caches) is not the dashboard's: one page
  // load on a blank context first, then each first visit in a new context with an empty cache,
  // and each repeat visit in a context that has loaded the dashboard before.
  await (await browser.newContext({ viewport })).newPage().then((p) => measure(p));
  const first = [];
  const repeat = [];
  for (let i = 0; i < 5; i++) {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    first.push(await measure(page));
    repeat.push(await measure(page));
    await context.close();
  }
  console.log('ms since navigation: DOMContentLoaded, overview request start → end, first row');
  for (const [what, list] of [
    ['first', first],
    ['repeat', repeat],
  ])
    for (const p of list)
      console.log(
        `  ${what} ${p.dcl.toFixed(0)} ${p.apiStart.toFixed(0)} → ${p.apiEnd.toFixed(0)} row ${p.render.toFixed(0)}`,
      );
  const firstMs = first.map((p) => p.render).sort((a, b) => a - b);
  const repeatMs = repeat.map((p) => p.render).sort((a, b) => a - b);
  const domRows = first[0].rows;
  const page = await (await browser.newContext({ viewport })).newPage();

  // The 90-day chart: click → chart redrawn with the 90-day series.
  const chartTimes = [];
  for (let i = 0; i < 5; i++) {
    await page.goto(`${url}/checks/${name(50)}`);
    // The default range (24h) reads minute rollups, which this history does not have: wait for it to load.
    await page.getByText('No runs in this range yet.').waitFor();
    const t0 = Date.now();
    await page.getByRole('button', { name: '90d' }).click();
    await page.waitForSelector('[data-testid="latency-chart"][aria-label*="over 90d"] canvas');
    chartTimes.push(Date.now() - t0);
  }
  chartTimes.sort((a, b) => a - b);

  const m = machine();
  const commit = gitDescribe(repoRoot);
  const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const f1 = (x) => x.toFixed(1);
  const kib = (b) => `${(b / 1024).toFixed(0)} KiB`;
  const gzipped = gzipSync(payload).length;
  const rows = [
    [
      'overview API, server time (inject)',
      `${f1(median(apiTimes))} ms median, ${f1(quantile(apiTimes, 0.95))} ms p95`,
      '≤ 100 ms',
      median(apiTimes) <= 100 ? 'met' : 'not met',
    ],
    [
      'overview payload',
      `${kib(Buffer.byteLength(payload))} JSON, ${kib(gzipped)} gzipped (${gzipped.toLocaleString('en')} bytes)`,
      '≤ 100 KB gzipped',
      gzipped <= 100_000 ? 'met' : 'not met',
    ],
    [
      'overview first render in Chromium (navigation → first row)',
      `${f1(median(firstMs))} ms first visit (empty cache), ${f1(median(repeatMs))} ms repeat visit (medians of ${firstMs.length}; worst ${f1(firstMs.at(-1))} ms); ${domRows} rows in the DOM`,
      '≤ 1 s',
      median(firstMs) <= 1000 ? 'met' : 'not met',
    ],
    [
      '90-day check chart: series API (server)',
      `${f1(median(seriesTimes))} ms median; ${series.series.t.length} hourly points`,
      '',
      '',
    ],
    ['90-day check chart: click → redrawn in Chromium', `${f1(median(chartTimes))} ms median of 5`, '', ''],
    ['status page API (90 daily bars, public checks)', `${f1(median(statusTimes))} ms median`, '', ''],
  ];
  console.log(rows.map((r) => r.filter(Boolean).join(' — ')).join('\n'));
  writeSection(
    path.join(repoRoot, 'BENCHMARKS.md'),
    `dashboard ${date.slice(0, 10)} ${commit.split(' ')[0]}`,
    `## Dashboard at ${checks.toLocaleString('en')} checks (${date} UTC, \`npm run bench:dashboard\`)

- Machine: ${m.cpu}, ${m.cores} cores, ${m.ramGiB} GiB RAM, Linux ${m.kernel} (${m.os}), Node ${m.node}; shared with other work (load average ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' / ')} at the end of the run)
- Vigil commit ${commit}; SQLite store; ${checks} checks with ${days} days of hourly and daily rollups (${(checks * days * 24).toLocaleString('en')} hourly rows), 1% of checks down; Chromium ${browser.version()} headless
- No peer ran in this benchmark: none is installed here. The issue cites a popular peer taking 15 s to show its dashboard at 882 monitors; that figure is theirs, not measured here.

${mdTable(['measure', 'Vigil', 'goal', ''], rows)}`,
  );
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  await browser?.close();
  await app?.close();
  await store?.close();
  if (!process.env.BENCH_KEEP) fs.rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
