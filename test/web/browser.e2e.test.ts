import { existsSync } from 'node:fs';
import http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { type Browser, chromiumPath, openBrowser } from './browser.js';

// The dashboard tests fail on any problem the page shows; these hold the line
// between a page's fault and the browser cancelling what a page left behind.
describe.skipIf(!existsSync(chromiumPath) && process.env.CI !== 'true')('the test browser', () => {
  const hanging: http.ServerResponse[] = [];
  let madeSlowRequest: () => void = () => {};
  const slowRequested = new Promise<void>((r) => {
    madeSlowRequest = r;
  });
  const server = http.createServer((req, res) => {
    if (req.url === '/slow') {
      hanging.push(res); // answered never: the page leaves first
      madeSlowRequest();
      return;
    }
    if (req.url === '/leaves') {
      res.setHeader('content-type', 'text/html');
      res.end('<script>fetch("/slow").catch(() => {})</script>');
      return;
    }
    if (req.url === '/aborts-itself') {
      res.setHeader('content-type', 'text/html');
      res.end(
        '<script>const c = new AbortController(); fetch("/slow", { signal: c.signal }).catch(() => {});' +
          ' setTimeout(() => { c.abort(); document.title = "aborted"; }, 50)</script>',
      );
      return;
    }
    if (req.url === '/asks-for-missing') {
      res.setHeader('content-type', 'text/html');
      res.end('<script>fetch("/missing").then(() => { document.title = "asked"; })</script>');
      return;
    }
    if (req.url === '/missing') {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader('content-type', 'text/html');
    res.end('<title>next</title><p>next</p>');
  });
  let browser: Browser | undefined;
  let base = '';
  afterAll(async () => {
    await browser?.close();
    for (const res of hanging) res.destroy();
    await new Promise((r) => server.close(r));
  });

  it("does not count what the browser cancels when a page is left, and still counts the page's own faults", async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    browser = await openBrowser();
    const { page, problems } = browser;
    await page.goto(`${base}/leaves`);
    await slowRequested;
    await page.goto(`${base}/next`);
    await page.getByText('next').waitFor();
    expect(problems).toEqual([]);

    // a request the page itself cancels, without leaving, is still reported
    await page.goto(`${base}/aborts-itself`);
    await page.waitForFunction('document.title === "aborted"');
    await expect.poll(() => problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(/ERR_ABORTED.*\/slow/);
    problems.length = 0;

    // and so is an error answer to a page's request
    await page.goto(`${base}/asks-for-missing`);
    await page.waitForFunction('document.title === "asked"');
    await expect.poll(() => problems).toContain(`HTTP 404 (${base}/missing)`);
  }, 60_000);
});
