import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { VigilError } from '../errors.js';
import { FingerprintTable } from './fingerprint.js';
import type { ScanReport } from './scan.js';

export interface JournalScanOptions {
  /** a systemd unit, e.g. app.service; absent: the whole journal */
  unit?: string;
  since: number;
  now: number;
  /** levels to count (default error and fatal) */
  levels?: readonly string[];
  top?: number;
  /** the journalctl to run (tests give a recorded one) */
  command?: string;
}

/**
 * The guide's `journalctl -u app --since "24 hours ago" | grep -i error`, counted: entries of
 * the window by priority (0–2 fatal, 3 error, 4 warn) and their messages fingerprinted, in the
 * same report as a file scan.
 */
export async function scanJournal(opts: JournalScanOptions): Promise<ScanReport> {
  const wanted = new Set(opts.levels ?? ['fatal', 'error']);
  const args = ['-o', 'json', '--no-pager', '-q', `--since=@${Math.floor(opts.since / 1000)}`];
  args.push(`--until=@${Math.ceil(opts.now / 1000)}`);
  if (opts.unit) args.push('-u', opts.unit);
  const table = new FingerprintTable();
  const counts: Record<string, number> = {};
  let bytes = 0;
  let stderr = '';
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(opts.command ?? 'journalctl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr.on('data', (d) => {
      if (stderr.length < 2000) stderr += d;
    });
    const lines = createInterface({ input: child.stdout, crlfDelay: Number.POSITIVE_INFINITY });
    lines.on('line', (line) => {
      bytes += line.length + 1;
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      const level = priorityLevel(Number(entry.PRIORITY ?? 6));
      if (!level || !wanted.has(level)) return;
      counts[level] = (counts[level] ?? 0) + 1;
      const message = text(entry.MESSAGE);
      const unit = text(entry._SYSTEMD_UNIT ?? entry.SYSLOG_IDENTIFIER);
      const at = Number(entry.__REALTIME_TIMESTAMP) / 1000;
      table.add(level, unit ? `${unit}: ${message}` : message, Number.isFinite(at) ? at : undefined, message);
    });
    child.on('error', (e) =>
      reject(
        (e as NodeJS.ErrnoException).code === 'ENOENT'
          ? new VigilError('USAGE', 'journalctl not found: this machine has no systemd journal tools', {
              hint: 'install systemd (Debian package systemd), or scan log files instead',
            })
          : e,
      ),
    );
    child.on('close', (c) => {
      lines.close();
      resolve(c);
    });
  });
  const missing =
    /No journal files were found/i.exec(stderr)?.[0] ??
    (code === 0 && bytes === 0 ? await journalMissing(opts.command) : undefined);
  if (missing) {
    throw new VigilError('LOG_NOT_FOUND', `journalctl: ${missing}`, {
      hint: 'this machine keeps no journal: scan its log files instead',
    });
  }
  if (code !== 0) {
    throw new VigilError('RUNTIME', `journalctl exited with ${code}: ${stderr.trim()}`, {
      hint: 'run the same journalctl by hand to see why',
    });
  }
  return {
    since: opts.since,
    until: opts.now,
    files: [{ path: `journal${opts.unit ? ` of ${opts.unit}` : ''}`, bytes }],
    bytes,
    counts,
    truncated: 0,
    fingerprints: table.top(opts.top ?? 10),
    distinctTemplates: table.size,
  };
}

/** syslog priorities: 0 emerg, 1 alert, 2 crit, 3 err, 4 warning. */
function priorityLevel(p: number): 'fatal' | 'error' | 'warn' | undefined {
  if (!Number.isFinite(p)) return undefined;
  return p <= 2 ? 'fatal' : p === 3 ? 'error' : p === 4 ? 'warn' : undefined;
}

/** journald writes a MESSAGE that is not valid UTF-8 as an array of bytes. */
function text(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return Buffer.from(v as number[]).toString('utf8');
  return '';
}

/**
 * journalctl's own words when this machine keeps no journal, else undefined. `-o json` prints
 * nothing at all then (not even to stderr), so an empty read is asked again in the short format.
 */
export function journalMissing(command = 'journalctl'): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn(command, ['--no-pager', '-n', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => {
      if (stderr.length < 2000) stderr += d;
    });
    child.on('error', () => resolve(undefined));
    child.on('close', () => {
      const m = /No journal files were found\.?/i.exec(stderr);
      resolve(m ? m[0] : undefined);
    });
  });
}
