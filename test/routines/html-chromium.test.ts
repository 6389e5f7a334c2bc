import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { renderHtml } from '../../src/routines/reports/html.js';
import { reportOnDemand } from '../../src/routines/runner.js';
import { openStore, type Store } from '../../src/store/store.js';
import { generateHistory } from '../fixtures/routines-history.js';

const chromiumPath = '/usr/bin/chromium';
const present = existsSync(chromiumPath);
if (!present && process.env.CI === 'true')
  throw new Error(`Chromium is required under CI=true: ${chromiumPath} is missing`);
if (!present)
  console.warn(`skipping the Chromium report test: ${chromiumPath} is missing (apt-get install chromium)`);

const now = Date.UTC(2026, 10, 23, 9);

describe.skipIf(!present)('the HTML report in headless Chromium', () => {
  let browser: Browser;
  let store: Store;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: chromiumPath,
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
    store = await openStore('sqlite::memory:', { now: () => now });
    await generateHistory(store, now);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await store?.close();
  });

  it('renders without console errors or requests, with its charts drawn', async () => {
    const example = path.resolve('examples/routines.yaml');
    const loaded = parseConfig(readFileSync(example, 'utf8'), example, { VIGIL_STORAGE: 'sqlite::memory:' });
    const weekly = loaded.config.routines.find((r) => r.name === 'weekly')!;
    const routine = { ...weekly, steps: weekly.steps.filter((s) => s.kind !== 'command') };
    const report = await reportOnDemand({ store, loaded }, routine, { now });
    const html = renderHtml({ ...report, link: 'https://vigil.example/r/1' });

    const page = await browser.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith('data:') && r.url() !== 'about:blank') requests.push(r.url());
    });
    await page.setContent(html, { waitUntil: 'load' });
    expect(problems).toEqual([]);
    expect(requests).toEqual([]); // no external asset: a mail client shows it as it is

    expect(await page.title()).toMatch(/^Vigil weekly report/);
    // Availability draws one bar chart per check, performance one line chart.
    const charts = await page.$$eval('svg', (svgs) =>
      svgs.map((s) => {
        const box = s.getBoundingClientRect();
        return {
          label: s.getAttribute('aria-label'),
          w: box.width,
          h: box.height,
          bars: s.querySelectorAll('rect').length,
          lines: s.querySelectorAll('polyline').length,
        };
      }),
    );
    expect(charts.map((c) => c.label)).toEqual([
      'Availability per day: host',
      'Availability per day: vigil',
      'Availability per day: vigil-port',
      'p95 latency per day',
    ]);
    for (const c of charts) expect([c.w, c.h]).toEqual([480, 110]);
    expect(charts[0]!.bars).toBeGreaterThanOrEqual(7);
    expect(charts[3]!.lines).toBe(3);
    // Days below the SLO are drawn red.
    const red = await page.$$eval(
      'svg[aria-label="Availability per day: vigil-port"] rect[fill="#dc2626"]',
      (r) => r.length,
    );
    expect(red).toBeGreaterThan(0);
    const text = await page.textContent('body');
    expect(text).toContain('Needs a look');
    expect(text).toContain('disk_usage /var on host full in 12 days');
    await page.close();
  });
});
