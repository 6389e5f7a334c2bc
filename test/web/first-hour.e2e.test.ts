import type { ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startVigil } from '../e2e/spawn.js';
import { type Browser, chromiumPath, openBrowser } from './browser.js';

const children: ChildProcess[] = [];
const adminPassword = 'correct-horse-battery-staple-9';

/** A port nothing listens on: the tcp check on it is down, really refused. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

const skip = !existsSync(chromiumPath) && process.env.CI !== 'true';

/**
 * What a newcomer stumbled on in the first hour, looked at in Chromium: a busy host is Critical,
 * not Down; a host check charts CPU, memory and disk and a log check its levels; long windows
 * say how much history they hold; the alert history filters and collapses a flapping alert; the
 * public page uses display names; countdowns read "in 3d 4h".
 */
describe.skipIf(skip)('the first hour, seen in the dashboard', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-first-hour-'));
  const shots = process.env.VIGIL_SCREENSHOTS ?? mkdtempSync(path.join(tmpdir(), 'vigil-first-hour-shots-'));
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows Critical apart from Down, the kind charts, history, filters and flaps, display names', async () => {
    const log = path.join(dir, 'app.log');
    writeFileSync(log, '');
    const config = path.join(dir, 'vigil.yaml');
    writeFileSync(
      config,
      `
storage: sqlite:${path.join(dir, 'vigil.db')}
evaluation_interval: 1s
checks:
  # memory is always above 1%: critical by its readings, while /proc answers (up)
  - name: busy-host
    host: { critical: { memory_usage: 0.01 } }
    every: 1s
    labels: { tier: public }
  - name: gone
    tcp: { host: 127.0.0.1, port: ${await closedPort()} }
    every: 1s
    display_name: Payments
    description: Taking money for orders
    labels: { tier: public }
  - name: app-log
    log: { path: ${log} }
    every: 1s
alerts:
  # present two seconds in four: fires, resolves, fires again
  - name: Flappy
    condition: vector(time()) % 4 < 2
    severity: info
status_page:
  title: Shop status
  groups: [{ name: Shop, match: { tier: public } }]
`,
    );
    const vigil = startVigil(config, { VIGIL_ADMIN_PASSWORD: adminPassword }, children);
    const url = await vigil.url;
    console.log(`first-hour screenshots: ${shots}`);
    browser = await openBrowser({
      allow: ({ url: u, text }) =>
        (/\/api\/v1\/auth\/me$/.test(u) && /40[14]/.test(text)) ||
        // Leaving a page ends its event stream and the reads still under way: a check page re-reads
        // its series and charts at each run, and these checks run every second.
        (/\/api\/v1\/(events$|query_range\?|checks\/[^/]+\/series\?)/.test(u) &&
          text.includes('ERR_ABORTED')),
    });
    const { page, problems } = browser;
    const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
    const main = page.locator('main');

    await page.goto(url);
    await page.getByLabel('User').fill('admin');
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();

    // The busy host reads Critical (reachable, in trouble), the refused port Down.
    const host = page.locator('li[data-check="busy-host"][data-status="critical"]');
    await host.waitFor({ timeout: 15_000 });
    expect(await host.locator('.badge').textContent()).toContain('Critical');
    // beside the status, the run's own words (also when the row was Pending and changed live)
    await host.locator('.msg', { hasText: 'memory' }).waitFor({ timeout: 5_000 });
    const gone = page.locator('li[data-check="gone"][data-status="critical"]');
    await gone.waitFor({ timeout: 15_000 });
    expect(await gone.locator('.badge').textContent()).toContain('Down');
    await page.getByTestId('count-critical').waitFor();
    expect(await page.getByTestId('count-down').textContent()).toBe('1');
    await shot('fh-01-overview-critical-vs-down');

    // A log with errors between runs, so the level chart has something to draw.
    for (let i = 0; i < 3; i++) {
      appendFileSync(log, `${new Date().toISOString()} ERROR payment ${i} declined\n`);
      appendFileSync(log, `${new Date().toISOString()} INFO all good\n`);
      await new Promise((r) => setTimeout(r, 1200));
    }

    await page.goto(`${url}/checks/busy-host`);
    await page.getByRole('heading', { name: /busy-host/ }).waitFor();
    expect(await page.locator('h1 .badge').textContent()).toContain('Critical');
    for (const chart of ['CPU', 'Memory', 'Disk']) await page.getByTestId(`chart-${chart}`).waitFor();
    // seconds of runs in a 90-day window: the figure says how much history it holds
    await page
      .locator('[data-window="90d"]')
      .getByText(/of \d+[sm]( \d+s)? of history/)
      .waitFor();
    expect(await page.locator('[data-window="90d"] strong').textContent()).toBe('100.000%');
    await page.getByRole('button', { name: '1h', exact: true }).click();
    await page.getByTestId('chart-Memory').waitFor();
    await shot('fh-02-host-check-charts');

    await page.goto(`${url}/checks/app-log`);
    await page.getByRole('heading', { name: 'Errors' }).waitFor();
    await page.getByRole('button', { name: '1h', exact: true }).click();
    await page.getByTestId('chart-Lines per level').waitFor({ timeout: 15_000 });
    await page.getByTestId('chart-Error rate').waitFor();
    await shot('fh-03-log-check-charts');

    // Flappy has fired and resolved more than once by now: one row, with its count.
    await page.goto(`${url}/alerts`);
    await page.getByRole('heading', { name: 'History' }).waitFor();
    const flap = main.locator('tr[data-flap]');
    await flap.first().waitFor({ timeout: 20_000 });
    expect(await flap.first().textContent()).toMatch(/Flappy.*flapping: fired \d+ times/);
    await shot('fh-04-alerts-flaps-collapsed');
    await page.getByLabel(/Collapse flaps/).uncheck();
    await main.locator('tr[data-flap]').first().waitFor({ state: 'detached' });
    const filters = page.getByRole('form', { name: 'Filter alert history' }).locator('select');
    await filters.nth(1).selectOption('firing');
    await filters.nth(0).selectOption('Flappy');
    await main.locator('table').last().getByText('pending →').first().waitFor();
    await page.waitForTimeout(500); // the filtered list replaces the unfiltered one
    const rows = await main.locator('table').last().locator('tbody tr').allTextContents();
    expect(rows.length).toBeGreaterThan(1);
    for (const r of rows) expect(r).toMatch(/Flappy.*→\s*▲ Firing/);
    await shot('fh-05-alerts-filtered');

    // Countdowns read "in 3d 4h", "in 12m", "in 45s".
    await page.goto(`${url}/jobs`);
    await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
    expect(await main.textContent()).toMatch(/\(in \d+[smhd]( \d+[mh])?\)/);
    expect(await main.textContent()).not.toMatch(/\d+ms\)/);
    // the busy host's job ran and reached its target: it did not fail
    expect(
      await main.locator('tr', { hasText: 'check:busy-host' }).locator('.badge').textContent(),
    ).toContain('OK');
    expect(await main.locator('tr', { hasText: 'check:gone' }).locator('.badge').textContent()).toContain(
      'Failed',
    );

    await page.goto(`${url}/status`);
    await page.getByTestId('status-headline').waitFor();
    await main.getByText('Payments').waitFor();
    await main.getByText('Taking money for orders').waitFor();
    expect(await main.textContent()).not.toContain('gone');
    expect(await main.locator('li[data-check="busy-host"]').getAttribute('data-state')).toBe('degraded');
    expect(await main.locator('li[data-check="Payments"]').getAttribute('data-state')).toBe('down');
    await shot('fh-06-status-display-names');

    expect(problems).toEqual([]);
  }, 150_000);
});
