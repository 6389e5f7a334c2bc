import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startVigil } from '../e2e/spawn.js';
import { probeToken } from '../probes/spawn-probe.js';
import { type Browser, chromiumPath, openBrowser } from './browser.js';

const children: ChildProcess[] = [];
const adminPassword = 'correct-horse-battery-staple-7';

describe.skipIf(!existsSync(chromiumPath) && process.env.CI !== 'true')(
  'a check from two places in the dashboard',
  () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-web-locations-'));
    let browser: Browser | undefined;
    const target = http.createServer((_req, res) => res.end('ok'));
    afterAll(async () => {
      await browser?.close();
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      await new Promise((r) => target.close(r));
      rmSync(dir, { recursive: true, force: true });
    });

    it("shows each location's state and latency side by side, and the verdict on /status", async () => {
      await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
      const port = (target.address() as { port: number }).port;
      const config = path.join(dir, 'vigil.yaml');
      writeFileSync(
        config,
        `
storage: sqlite:${path.join(dir, 'vigil.db')}
checks:
  - name: shop-api
    http: { url: "http://127.0.0.1:${port}/" }
    every: 1s
    locations: [local, eu-west]
status_page:
  groups:
    - { name: Shop, checks: [shop-api] }
`,
      );
      const token = await probeToken(config, 'eu-west');
      const vigil = startVigil(config, { VIGIL_ADMIN_PASSWORD: adminPassword }, children);
      const url = await vigil.url;
      // eu-west's agent, speaking the probe API: the target is unreachable from there
      let seq = 0;
      const push = () =>
        fetch(`${url}/api/v1/probe/results`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            agent: 'eu-1',
            version: 'test',
            hostname: 'eu.example',
            results: [
              {
                seq: ++seq,
                check: 'shop-api',
                startedAt: Date.now(),
                durationMs: 3,
                status: 'critical',
                message: 'connect ECONNREFUSED',
                samples: [],
              },
            ],
          }),
        });
      expect((await push()).status).toBe(200);
      const pushing = setInterval(() => void push(), 1000); // the agent's push interval, in the test

      try {
        browser = await openBrowser({
          allow: ({ url: u, text }) =>
            (/\/api\/v1\/auth\/me$/.test(u) && /40[14]/.test(text)) ||
            // a reload ends the page's event stream, and may end its status request in flight
            (/\/api\/v1\/(events|status)$/.test(u) && text.includes('ERR_ABORTED')),
        });
        const { page, problems } = browser;
        await page.goto(url);
        await page.getByLabel('User').fill('admin');
        await page.getByLabel('Password').fill(adminPassword);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('heading', { name: 'Overview' }).waitFor();
        // below its quorum the check reads Degraded, with the failing location named, live
        const row = page.locator('li[data-check="shop-api"]');
        await row.and(page.locator('[data-status="warning"]')).waitFor({ timeout: 15_000 });
        expect(await row.locator('.badge').textContent()).toContain('Degraded');
        expect(await row.textContent()).toContain('failing in eu-west');
        await page.goto(`${url}/checks/shop-api`);
        await page.getByRole('heading', { name: 'Locations' }).waitFor();
        const tiles = page.getByRole('list', { name: 'State and latency in each location' });
        await tiles.locator('li.loc-down').getByText('eu-west').waitFor({ timeout: 15_000 });
        await tiles.locator('li.loc-up').getByText('local').waitFor({ timeout: 15_000 });
        expect(await tiles.locator('li.loc-up .latency').textContent()).toMatch(/ms/);
        expect(await tiles.locator('li.loc-down').textContent()).toContain('ECONNREFUSED');
        await page.getByText('degraded: failing in eu-west').first().waitFor({ timeout: 15_000 });

        await page.goto(`${url}/status`);
        const headline = page.getByTestId('status-headline');
        await expect
          .poll(
            async () => {
              await page.reload();
              return headline.getAttribute('data-state');
            },
            { timeout: 40_000, interval: 1000 },
          )
          .toBe('degraded');
        expect(problems).toEqual([]);
      } finally {
        clearInterval(pushing);
      }
    }, 120_000);
  },
);
