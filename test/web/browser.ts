import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page, type Request } from 'playwright-core';

/** Debian's Chromium, as `.ci/run` installs it; the dashboard tests drive it with playwright-core. */
export const chromiumPath = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';

const args = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** console errors, failed requests and error responses seen so far, except those `allow` excused */
  problems: string[];
  close(): Promise<void>;
}

/**
 * A fresh Chromium profile (its own --user-data-dir) with one page that records
 * every console error, failed request and HTTP error response, so a test can
 * fail on any of them.
 */
export async function openBrowser(
  opts: { allow?: (what: { url: string; text: string }) => boolean; width?: number; height?: number } = {},
): Promise<Browser> {
  const profile = mkdtempSync(path.join(tmpdir(), 'vigil-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args,
    viewport: { width: opts.width ?? 1280, height: opts.height ?? 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  const allow = opts.allow ?? (() => false);
  const note = (url: string, text: string) => {
    if (!allow({ url, text })) problems.push(`${text} (${url})`);
  };
  page.on('console', (m) => {
    if (m.type() === 'error') note(m.location().url, `console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => note(page.url(), `page error: ${e.message}`));
  // Leaving a page cancels what it still had in flight (net::ERR_ABORTED). That is
  // the browser doing its job, not a fault of the page, so an abort of a request
  // made by a document the main frame has since left, or one that comes while the
  // main frame is loading the next document, is not a problem. The abort and the
  // commit of the next document may reach us in either order: an abort seen while
  // leaving is noted, and taken back once the next document commits.
  let documents = 0;
  let leaving = false;
  const startedIn = new WeakMap<Request, number>();
  let abortedWhileLeaving: string[] = [];
  page.on('request', (r) => {
    startedIn.set(r, documents);
    if (r.isNavigationRequest() && r.frame() === page.mainFrame()) leaving = true;
  });
  page.on('framenavigated', (f) => {
    if (f !== page.mainFrame()) return;
    documents++;
    leaving = false;
    for (const entry of abortedWhileLeaving) {
      const at = problems.indexOf(entry);
      if (at >= 0) problems.splice(at, 1);
    }
    abortedWhileLeaving = [];
  });
  page.on('requestfailed', (r) => {
    const text = `request failed: ${r.failure()?.errorText}`;
    const aborted = text.includes('ERR_ABORTED');
    if (aborted && (startedIn.get(r) ?? documents) < documents) return;
    const before = problems.length;
    note(r.url(), text);
    const entry = problems[before];
    if (aborted && leaving && entry !== undefined) abortedWhileLeaving.push(entry);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) note(r.url(), `HTTP ${r.status()}`);
  });
  return {
    context,
    page,
    problems,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
