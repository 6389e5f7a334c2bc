import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Browser, chromiumPath, openBrowser } from './browser.js';

/** A port nothing listens on now, so the quickstart's own checks can point at it as they point at 8080. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

const skip = !existsSync(chromiumPath) && process.env.CI !== 'true';
if (skip)
  console.warn(`skipping the quickstart walk: no Chromium at ${chromiumPath} (apt-get install chromium)`);

/**
 * A newcomer's first hour: `vigil up --config examples/vigil.yaml` in an empty folder (only the
 * port moved off 8080), the password from the first-start lines, then every page of the dashboard.
 */
describe.skipIf(skip)('the quickstart, walked as a newcomer', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-quickstart-'));
  const shots = process.env.VIGIL_SCREENSHOTS ?? mkdtempSync(path.join(tmpdir(), 'vigil-quickstart-shots-'));
  let child: ChildProcess | undefined;
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
    if (child?.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts, logs in with the printed password, and every page shows something true with no console error', async () => {
    const port = await freePort();
    writeFileSync(
      path.join(dir, 'vigil.yaml'),
      readFileSync('examples/vigil.yaml', 'utf8').replaceAll('8080', String(port)),
    );
    child = spawn(process.execPath, [path.resolve('bin/vigil.js'), 'up', '--config', 'vigil.yaml'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, VIGIL_ADMIN_PASSWORD: '' },
    });
    let output = '';
    child.stdout!.on('data', (d) => {
      output += d;
    });
    child.stderr!.on('data', (d) => {
      output += d;
    });
    const password = await new Promise<string>((resolve, reject) => {
      const look = () => {
        const m = /Vigil is up: \S+[\s\S]*?log in as "admin" with password (\S+)/.exec(output);
        if (m) resolve(m[1]!);
      };
      child!.stdout!.on('data', look);
      child!.stderr!.on('data', look);
      child!.once('exit', (code) => reject(new Error(`vigil exited ${code}: ${output}`)));
    });
    const url = `http://127.0.0.1:${port}`;
    console.log(`quickstart screenshots: ${shots}`);

    browser = await openBrowser({
      allow: ({ url: u, text }) =>
        (/\/api\/v1\/auth\/me$/.test(u) && /401/.test(text)) ||
        (/\/api\/v1\/events$/.test(u) && text.includes('ERR_ABORTED')),
    });
    const { page, problems } = browser;
    const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
    const main = page.locator('main');
    const nav = (name: string) =>
      page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

    await page.goto(url);
    await page.getByLabel('User').fill('admin');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    for (const check of ['vigil', 'vigil-port', 'vigil-log', 'host']) {
      await page.locator(`li[data-check="${check}"]`).waitFor();
    }
    // Vigil's own log is written, and the log check reads it (every 30s, spread by name).
    await page.locator('li[data-check="vigil-log"][data-status="ok"]').waitFor({ timeout: 45_000 });
    expect(readFileSync(path.join(dir, 'vigil.log'), 'utf8')).toMatch(/^\{"level":30,.*\}$/m);
    await page.locator('li[data-check="host"][data-status]:not([data-status="pending"])').waitFor();
    await shot('01-overview');

    await page.locator('li[data-check="host"]').getByRole('link', { name: 'host' }).click();
    await page.getByRole('heading', { name: /host/ }).waitFor();
    // The overview heard of the first run live; the page reads the store, which may not hold it yet
    // (the write buffer): it reads again at the host's next run (every 30 s).
    await main
      .getByText(/cpu \d+%/)
      .first()
      .waitFor({ timeout: 45_000 });
    await shot('02-check-host');

    await nav('Alerts').click();
    await page.getByRole('heading', { name: 'Alerts', exact: true }).waitFor();
    for (const rule of ['HighCPUUsage', 'ServiceDown', 'HighErrorRate'])
      await main.getByText(rule).first().waitFor();
    await shot('03-alerts');

    await nav('Incidents').click();
    await page.getByRole('heading', { name: 'Incidents', exact: true }).waitFor();
    expect((await main.textContent())?.length).toBeGreaterThan(20);
    await shot('04-incidents');

    await nav('Silences').click();
    await page.getByRole('heading', { name: 'Silences', exact: true }).waitFor();
    await shot('05-silences');

    await nav('Routines').click();
    await page.getByRole('heading', { name: 'Routines', exact: true }).waitFor();
    for (const routine of ['daily', 'weekly', 'monthly']) await main.getByText(routine).first().waitFor();
    await shot('06-routines');

    await nav('Jobs').click();
    await page.getByRole('heading', { name: 'Jobs', exact: true }).waitFor();
    for (const job of ['backup:vigil-store', 'verify:vigil-store:restore', 'routine:monthly'])
      await main.getByText(job, { exact: true }).waitFor();
    await shot('06b-jobs');

    await page.goto(`${url}/status`);
    await page.getByTestId('status-headline').waitFor();
    // the public page calls checks by their display names, never by their internal ones
    await main.getByText('Log processing').waitFor();
    await main.getByText('The web dashboard and the HTTP API').waitFor();
    expect(await main.textContent()).not.toContain('vigil-log');
    await shot('07-status');

    expect(problems).toEqual([]);
  }, 120_000);
});
