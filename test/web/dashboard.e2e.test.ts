import type { ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startVigil } from '../e2e/spawn.js';
import { type Browser, chromiumPath, openBrowser } from './browser.js';

const children: ChildProcess[] = [];
const adminPassword = 'correct-horse-battery-staple-7';

/** A real target on loopback whose health endpoint the test turns down and up. */
async function startTarget() {
  let up = true;
  const server = http.createServer((_req, res) => {
    res.writeHead(up ? 200 : 503, { 'content-type': 'text/plain' });
    res.end(up ? 'ok' : 'maintenance');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/health`,
    set(state: boolean) {
      up = state;
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

if (!existsSync(chromiumPath) && process.env.CI !== 'true')
  console.warn(
    `skipping the dashboard browser test: no Chromium at ${chromiumPath} (apt-get install chromium)`,
  );

describe.skipIf(!existsSync(chromiumPath) && process.env.CI !== 'true')('the dashboard in Chromium', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-web-e2e-'));
  const shots = mkdtempSync(path.join(tmpdir(), 'vigil-screenshots-'));
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in, sees a check go down, charts it, silences its alert, acknowledges the incident; the status page follows', async () => {
    const target = await startTarget();
    const config = path.join(dir, 'vigil.yaml');
    writeFileSync(
      config,
      `
storage: sqlite:${path.join(dir, 'vigil.db')}
evaluation_interval: 1s
checks:
  - name: shop-api
    http: { url: "${target.url}" }
    every: 1s
    labels: { tier: public, team: shop }
  - name: shop-db
    tcp: { host: 127.0.0.1, port: ${new URL(target.url).port} }
    every: 5s
    labels: { team: shop }
alerts:
  - name: ServiceDown
    condition: up{check="shop-api"} == 0
    severity: critical
    summary: "{{ $labels.check }} is down"
routines:
  - name: morning
    cron: "0 8 * * *"
    steps:
      - checks: "*"
      - name: review-dashboards
        manual: { text: "Review the dashboards for anomalies", checklist: ["error rate", "latency"] }
status_page:
  title: Shop status
  groups:
    - name: Shop
      match: { tier: public }
`,
    );
    const vigil = startVigil(config, { VIGIL_ADMIN_PASSWORD: adminPassword }, children);
    const url = await vigil.url;
    console.log(`dashboard screenshots: ${shots}`);

    // Expected, not faults: before login "who am I" answers 401 (404 on a daemon without login),
    // and a page load ends the previous page's event stream.
    browser = await openBrowser({
      allow: ({ url: u, text }) =>
        (/\/api\/v1\/auth\/me$/.test(u) && /40[14]/.test(text)) ||
        (/\/api\/v1\/events$/.test(u) && text.includes('ERR_ABORTED')),
    });
    const { page, problems } = browser;
    const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

    await page.goto(url);
    // Not logged in: the dashboard shows its login page; the first admin's password came from the env.
    const login = page.getByRole('button', { name: 'Sign in' });
    await login.waitFor();
    await shot('01-login');
    await page.getByLabel('User').fill('admin');
    await page.getByLabel('Password').fill(adminPassword);
    await login.click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const row = page.locator('li[data-check="shop-api"]');
    await row.and(page.locator('[data-status="ok"]')).waitFor();
    expect(await row.locator('.badge').textContent()).toContain('Up');
    await shot('02-overview-up');

    // The target goes down: the row turns red live (server-sent events, no reload).
    target.set(false);
    await row.and(page.locator('[data-status="critical"]')).waitFor({ timeout: 15_000 });
    expect(await row.locator('.badge').textContent()).toContain('Down');
    await page
      .getByTestId('count-firing')
      .filter({ hasText: /^[1-9]/ })
      .waitFor({ timeout: 15_000 });
    await shot('03-overview-down');

    // Its chart, with the failure and its message.
    await row.getByRole('link', { name: 'shop-api' }).click();
    await page.getByRole('heading', { name: /shop-api/ }).waitFor();
    await page.locator('[data-testid="latency-chart"] canvas').waitFor();
    await page.getByRole('button', { name: '1h' }).click();
    await page.locator('[data-testid="latency-chart"] canvas').waitFor();
    await page.getByRole('cell', { name: /503/ }).first().waitFor({ timeout: 10_000 });
    await shot('04-check-detail');

    // Silence the firing alert from the alerts page.
    await page.getByRole('link', { name: 'Alerts', exact: true }).click();
    const alertRow = page.locator('tr[data-alert="ServiceDown"]');
    await alertRow.getByText('Firing').waitFor({ timeout: 15_000 });
    await shot('05-alerts');
    await alertRow.getByRole('button', { name: 'Silence…' }).click();
    expect(await page.getByLabel('Matchers, one per line').inputValue()).toContain('alertname="ServiceDown"');
    await page.getByLabel('Comment').fill('planned maintenance of the shop API');
    await page.getByRole('button', { name: 'Create silence' }).click();
    await page.getByRole('link', { name: 'Silences' }).click();
    await page.locator('tr[data-silence]').getByText('planned maintenance of the shop API').waitFor();
    await page.locator('tr[data-silence]').getByText('Active').waitFor();
    await shot('06-silences');
    // Back on the alerts page, the alert says it is silenced and offers no second silence.
    await page.getByRole('link', { name: 'Alerts', exact: true }).click();
    await alertRow.getByText('silenced').waitFor();
    expect(await alertRow.getByRole('button', { name: 'Silence…' }).count()).toBe(0);

    // Acknowledge the incident the critical alert opened.
    await page.getByRole('link', { name: 'Incidents' }).click();
    const incident = page.locator('tr[data-incident]').first();
    await incident.getByText('Open').waitFor({ timeout: 15_000 });
    await incident.getByRole('button', { name: 'Acknowledge' }).click();
    await incident.getByText('Acknowledged').waitFor();
    await incident.getByRole('link').first().click();
    await page.locator('.timeline li').first().waitFor();
    expect(await page.locator('.timeline').textContent()).toMatch(/acknowledged/i);
    await shot('07-incident');

    // A routine run waits for its manual step: sign it off from the dashboard.
    execFileSync(process.execPath, [
      path.resolve('bin/vigil.js'),
      'routine',
      'run',
      'morning',
      '--config',
      config,
    ]);
    await page.getByRole('link', { name: 'Routines', exact: true }).click();
    await page.locator('tr[data-run]').getByRole('link').first().click();
    const manual = page.locator('[data-step="review-dashboards"]');
    await manual.getByText('Awaiting sign-off').waitFor();
    await manual.getByLabel('Note').fill('all quiet');
    await manual.getByRole('button', { name: 'Sign off' }).click();
    await manual.getByText(/Signed off by admin .*: all quiet/).waitFor();
    await shot('08-routine-signed-off');

    // The public status page: down now, up once the target recovers; never the target's address.
    await page.getByRole('link', { name: 'Status page' }).click();
    const headline = page.getByTestId('status-headline');
    await expect.poll(() => headline.getAttribute('data-state')).toBe('down');
    expect(await page.locator('main').textContent()).not.toMatch(/127\.0\.0\.1|health|503|shop-db/);
    await shot('09-status-down');
    target.set(true);
    // By design it can take up to ~20 s: the check's next run (every 5s), the status API's 5 s
    // cache of the latest states and the browser's 10 s HTTP cache of it; a loaded CI box adds
    // to each, so the wait is twice that.
    await expect
      .poll(
        async () => {
          await page.reload();
          return headline.getAttribute('data-state');
        },
        { timeout: 40_000, interval: 1000 },
      )
      .toBe('up');
    await shot('10-status-up');

    // Phone width: the overview still reads.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(url);
    await row.and(page.locator('[data-status="ok"]')).waitFor({ timeout: 15_000 });
    await shot('11-overview-phone');

    expect(problems).toEqual([]);
    await target.close();
  }, 120_000);
});
