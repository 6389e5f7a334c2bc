import { spawn } from 'node:child_process';
import { createReadStream, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createGunzip } from 'node:zlib';

/** A log file and its rotated siblings, oldest first. */
export interface LogFile {
  path: string;
  size: number;
  mtimeMs: number;
  compression?: 'gzip' | 'zstd';
}

/**
 * The live file and what rotation left beside it: `app.log.1`, `app.log.2.gz`,
 * `app.log-20261126`, `app.log-20261125.gz`, `app.log.1.zst`. Oldest first (by
 * modification time), the live file last.
 */
export function rotatedSiblings(live: string, olddir?: string): LogFile[] {
  const base = path.basename(live);
  const out: LogFile[] = [];
  for (const dir of [path.dirname(live), ...(olddir ? [path.resolve(path.dirname(live), olddir)] : [])]) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (name === base || !name.startsWith(base)) continue;
      const rest = name.slice(base.length);
      const m = /^(?:\.\d+|[-.]\d{8}(?:\d{2,6})?|[-.]\d{4}-\d{2}-\d{2}(?:[-_]\d{2,6})?)(\.gz|\.zst)?$/.exec(
        rest,
      );
      if (!m) continue;
      const p = path.join(dir, name);
      try {
        const st = statSync(p);
        if (!st.isFile()) continue;
        out.push({
          path: p,
          size: st.size,
          mtimeMs: st.mtimeMs,
          ...(m[1] === '.gz'
            ? { compression: 'gzip' as const }
            : m[1] === '.zst'
              ? { compression: 'zstd' as const }
              : {}),
        });
      } catch {}
    }
  }
  out.sort((a, b) => a.mtimeMs - b.mtimeMs);
  return out;
}

/** A compressed file's bytes, as a stream of chunks. */
export function decompressed(file: LogFile): AsyncIterable<Buffer> {
  if (file.compression === 'gzip') return createReadStream(file.path).pipe(createGunzip());
  if (file.compression === 'zstd') {
    const child = spawn('zstd', ['-dc', '--', file.path], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr.resume();
    const done = new Promise<void>((resolve, reject) => {
      child.on('error', (e) =>
        reject(new Error(`cannot read ${file.path}: zstd is needed for .zst files (${e.message})`)),
      );
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`zstd -dc ${file.path} exited with ${code}`)),
      );
    });
    return (async function* () {
      for await (const chunk of child.stdout) yield chunk as Buffer;
      await done;
    })();
  }
  return createReadStream(file.path, { highWaterMark: 1 << 20 });
}
