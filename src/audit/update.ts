import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fetchedFile } from './osv.js';
import type { Ecosystem } from './versions.js';
import { readZip } from './zip.js';

/** Where OSV publishes its per-ecosystem exports: `<base>/<ecosystem>/all.zip`. */
export const osvExportBase = 'https://osv-vulnerabilities.storage.googleapis.com';

export interface UpdateOutcome {
  ecosystem: Ecosystem;
  status: 'downloaded' | 'unchanged' | 'failed';
  bytes?: number;
  records?: number;
  error?: string;
}

interface Fetched {
  fetchedAt: string;
  url: string;
  etag?: string;
  lastModified?: string;
  bytes: number;
}

/**
 * Download each ecosystem's export into `<dir>/<ecosystem>/all.zip`. A download replaces the
 * old file only once it unzips and holds records, so a cut connection leaves yesterday's data
 * in place; an unchanged export (304 to the stored ETag) only renews the fetch time.
 */
export async function updateAdvisories(opts: {
  dir: string;
  ecosystems: readonly Ecosystem[];
  base?: string;
  fetch?: typeof globalThis.fetch;
  now: number;
  timeoutMs?: number;
}): Promise<UpdateOutcome[]> {
  const doFetch = opts.fetch ?? globalThis.fetch;
  const base = (opts.base ?? osvExportBase).replace(/\/+$/, '');
  const out: UpdateOutcome[] = [];
  for (const eco of opts.ecosystems) {
    const url = `${base}/${encodeURIComponent(eco)}/all.zip`;
    const folder = path.join(opts.dir, eco);
    const meta = await readFile(fetchedFile(opts.dir, eco), 'utf8')
      .then((t) => JSON.parse(t) as Fetched)
      .catch(() => undefined);
    try {
      await mkdir(folder, { recursive: true });
      const headers: Record<string, string> = {};
      if (meta?.etag) headers['if-none-match'] = meta.etag;
      if (meta?.lastModified) headers['if-modified-since'] = meta.lastModified;
      const res = await doFetch(url, { headers, signal: AbortSignal.timeout(opts.timeoutMs ?? 300_000) });
      if (res.status === 304 && meta) {
        await writeFile(
          fetchedFile(opts.dir, eco),
          JSON.stringify({ ...meta, fetchedAt: new Date(opts.now).toISOString() }),
        );
        out.push({ ecosystem: eco, status: 'unchanged' });
        continue;
      }
      if (!res.ok) throw new Error(`${url} answered ${res.status} ${res.statusText}`);
      const bytes = new Uint8Array(await res.arrayBuffer());
      let records = 0;
      try {
        readZip(bytes, (name) => {
          if (name.endsWith('.json')) records++;
        });
      } catch (e) {
        throw new Error(`${url} sent ${bytes.length} bytes that are not a zip (${(e as Error).message})`);
      }
      if (!records) throw new Error(`${url} sent a zip without OSV records`);
      const tmp = path.join(folder, `all.zip.${process.pid}.part`);
      await writeFile(tmp, bytes);
      await rename(tmp, path.join(folder, 'all.zip'));
      const etag = res.headers.get('etag');
      const lastModified = res.headers.get('last-modified');
      const m: Fetched = {
        fetchedAt: new Date(opts.now).toISOString(),
        url,
        ...(etag ? { etag } : {}),
        ...(lastModified ? { lastModified } : {}),
        bytes: bytes.length,
      };
      await writeFile(fetchedFile(opts.dir, eco), JSON.stringify(m, null, 2));
      out.push({ ecosystem: eco, status: 'downloaded', bytes: bytes.length, records });
    } catch (e) {
      await rm(path.join(folder, `all.zip.${process.pid}.part`), { force: true });
      const err = e as Error;
      out.push({
        ecosystem: eco,
        status: 'failed',
        error: err.name === 'TimeoutError' ? `${url} timed out` : err.message,
      });
    }
  }
  return out;
}
