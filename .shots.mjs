import { chromium } from 'playwright-core';
const url = process.env.URL ?? 'http://127.0.0.1:18611';
const pages = process.argv.slice(2);
const ctx = await chromium.launchPersistentContext(`/tmp/fh-profile-${process.pid}`, {
  executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'],
  viewport: { width: 1280, height: 900 },
});
const page = ctx.pages()[0] ?? (await ctx.newPage());
page.on('console', (m) => { if (m.type() === 'error') console.log('console error:', m.text()); });
await page.goto(url);
await page.getByLabel('User').fill('admin');
await page.getByLabel('Password').fill(process.env.PW ?? 'firsthour-pass-123');
await page.getByRole('button', { name: 'Sign in' }).click();
await page.getByRole('heading', { name: 'Overview' }).waitFor();
for (const spec of pages) {
  const [name, path] = spec.split('=');
  await page.goto(url + path);
  await page.waitForTimeout(2500);
  await page.screenshot({ path: `/tmp/shots-firsthour/${name}.png`, fullPage: true });
  console.log('shot', name);
}
await ctx.close();
