import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

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
  page.on('requestfailed', (r) => note(r.url(), `request failed: ${r.failure()?.errorText}`));
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
