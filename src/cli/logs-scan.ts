import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import { parseDuration } from '../core/duration.js';
import { type LinearRegex, linearRegex } from '../core/linear-regex.js';
import { VigilError } from '../errors.js';
import { type ScanReport, scanLogs } from '../logs/scan.js';
import { type Io, paint, table } from './output.js';

export interface LogsScanOptions {
  config?: string;
  since?: string;
  match?: string;
  top?: string;
  levels?: string;
  json?: boolean;
  /** read the systemd journal instead of files */
  journal?: boolean;
  unit?: string;
  loki?: string;
  elasticsearch?: string;
  index?: string;
  query?: string;
}

/**
 * `vigil logs scan`: the morning review. Counts per level and the top error
 * fingerprints across the live files and their rotated siblings in the window.
 */
export async function logsScanCommand(
  io: Io,
  paths: string[],
  opts: LogsScanOptions,
  now = Date.now(),
): Promise<number> {
  if (opts.journal || opts.unit) return journalScan(io, paths, opts, now);
  if (opts.loki || opts.elasticsearch) return remoteScan(io, paths, opts, now);
  if (!paths.length) paths = await configuredLogs(io, opts.config);
  if (!paths.length) {
    throw new VigilError('USAGE', 'no log files given, and none under logs: in the config', {
      hint: 'vigil logs scan /var/log/app/*.log --since 24h',
    });
  }
  const since = parseSince(opts.since ?? '24h', now);
  const top = Number(opts.top ?? 10);
  if (!Number.isInteger(top) || top < 0) {
    throw new VigilError('USAGE', `--top ${opts.top} is not a count`, { hint: 'e.g. --top 10' });
  }
  const files = paths.map((p) => path.resolve(io.cwd, p));
  for (const f of files) checkReadable(f);
  const match = opts.match === undefined ? undefined : parseMatch(opts.match);
  const levels = opts.levels?.split(',').map((l) => l.trim().toLowerCase());
  let lastShown = 0;
  const report = await scanLogs(files, {
    since,
    now,
    match,
    levels,
    top,
    onProgress: io.isTTY
      ? (done, total) => {
          if (total < 256 << 20 || Date.now() - lastShown < 250) return;
          lastShown = Date.now();
          process.stderr.write(`\rscanning ${Math.round((done / total) * 100)}% of ${gb(total)}`);
        }
      : undefined,
  });
  if (io.isTTY && lastShown) process.stderr.write('\r\u001b[K');
  if (opts.json) io.out(JSON.stringify(toJson(report), null, 2));
  else printReport(io, report);
  return 0;
}

/** `vigil logs scan --journal [--unit app.service] --since 24h`: the same report, from journald. */
async function journalScan(io: Io, paths: string[], opts: LogsScanOptions, now: number): Promise<number> {
  if (paths.length) {
    throw new VigilError('USAGE', '--journal reads the journal, not files', {
      hint: 'give either files or --journal [--unit <unit>]',
    });
  }
  const top = Number(opts.top ?? 10);
  const { scanJournal } = await import('../logs/scan-journal.js');
  const report = await scanJournal({
    unit: opts.unit,
    since: parseSince(opts.since ?? '24h', now),
    now,
    top: Number.isInteger(top) && top >= 0 ? top : 10,
    levels: opts.levels?.split(',').map((l) => l.trim().toLowerCase()),
  });
  if (opts.json) io.out(JSON.stringify(toJson(report), null, 2));
  else printReport(io, report);
  return 0;
}

/** `vigil logs scan --loki <url> --query '{app="shop"}'` or `--elasticsearch <url> --index logs-*`. */
async function remoteScan(io: Io, paths: string[], opts: LogsScanOptions, now: number): Promise<number> {
  if (paths.length || (opts.loki && opts.elasticsearch))
    throw new VigilError('USAGE', 'give one source: files, --journal, --loki or --elasticsearch', {
      hint: 'vigil logs scan --loki http://loki:3100 --query \'{app="shop"}\' --since 24h',
    });
  if (opts.loki && !opts.query)
    throw new VigilError('USAGE', '--loki needs --query, a LogQL selector', {
      hint: '--query \'{app="shop"}\'',
    });
  if (opts.elasticsearch && !opts.index)
    throw new VigilError('USAGE', '--elasticsearch needs --index', { hint: '--index logs-*' });
  const top = Number(opts.top ?? 10);
  const { scanRemote, RemoteLogError } = await import('../logs/scan-remote.js');
  const source = opts.loki
    ? { kind: 'loki' as const, url: opts.loki, query: opts.query! }
    : {
        kind: 'elasticsearch' as const,
        url: opts.elasticsearch!,
        index: opts.index!,
        ...(opts.query ? { query: opts.query } : {}),
      };
  let report: ScanReport;
  try {
    report = await scanRemote(source, {
      since: parseSince(opts.since ?? '24h', now),
      now,
      top: Number.isInteger(top) && top >= 0 ? top : 10,
      ...(opts.levels ? { levels: opts.levels.split(',').map((l) => l.trim().toLowerCase()) } : {}),
    });
  } catch (e) {
    if (e instanceof RemoteLogError)
      throw new VigilError('LOG_UNREADABLE', e.message, {
        hint: 'check the URL and that the server answers',
      });
    throw e;
  }
  if (opts.json) io.out(JSON.stringify(toJson(report), null, 2));
  else printReport(io, report);
  return 0;
}

function printReport(io: Io, r: ScanReport): void {
  const span = `${iso(r.since)} → ${iso(r.until)}`;
  io.out(`${r.files.length} file${r.files.length === 1 ? '' : 's'}, ${gb(r.bytes)}, ${span}`);
  const levels = Object.entries(r.counts).sort((a, b) => b[1] - a[1]);
  io.out(
    levels.length
      ? levels
          .map(([l, n]) => `${paint(io, l === 'warn' ? 'warning' : 'critical', l)} ${n.toLocaleString('en')}`)
          .join('   ')
      : 'no matching lines',
  );
  if (r.truncated) io.out(`${r.truncated} over-long line(s) were cut and counted once`);
  if (!r.fingerprints.length) return;
  io.out('');
  const rows = r.fingerprints.flatMap((f) => [
    [
      f.count.toLocaleString('en'),
      f.firstSeen === undefined ? '-' : hhmm(f.firstSeen),
      f.lastSeen === undefined ? '-' : hhmm(f.lastSeen),
      f.template,
    ],
    ['', '', '', `  e.g. ${f.sample}`],
  ]);
  io.out(table([['COUNT', 'FIRST', 'LAST', 'MESSAGE'], ...rows]));
  if (r.distinctTemplates > r.fingerprints.length) {
    io.out(`\n${r.distinctTemplates - r.fingerprints.length} more distinct message(s); --top to see more`);
  }
}

function toJson(r: ScanReport) {
  return {
    since: iso(r.since),
    until: iso(r.until),
    files: r.files,
    bytes: r.bytes,
    counts: r.counts,
    truncated: r.truncated,
    distinctTemplates: r.distinctTemplates,
    fingerprints: r.fingerprints.map((f) => ({
      id: f.id,
      level: f.level,
      count: f.count,
      template: f.template,
      firstSeen: f.firstSeen === undefined ? null : iso(f.firstSeen),
      lastSeen: f.lastSeen === undefined ? null : iso(f.lastSeen),
      sample: f.sample,
    })),
  };
}

/** `24h` back from now, or an ISO 8601 time. */
export function parseSince(text: string, now: number): number {
  const ms = parseDuration(text);
  if (ms !== undefined) return now - ms;
  const at = Date.parse(text);
  if (!Number.isNaN(at)) return at;
  throw new VigilError('USAGE', `--since ${text} is neither a duration nor a time`, {
    hint: 'e.g. --since 24h or --since 2026-11-27T00:00:00Z',
  });
}

/** A plain word is searched as bytes (fast); anything with regex syntax is a regular expression. */
function parseMatch(text: string): string | LinearRegex {
  if (!/[\\^$.|?*+()[\]{}]/.test(text)) return text;
  try {
    return linearRegex(text);
  } catch (e) {
    throw new VigilError(
      'USAGE',
      `--match ${text} is not a valid regular expression: ${(e as Error).message}`,
      {
        hint: 'JavaScript syntax without lookaround or backreferences, e.g. --match "ERROR|FATAL"',
      },
    );
  }
}

function checkReadable(file: string): void {
  let isFile: boolean;
  try {
    isFile = statSync(file).isFile();
  } catch {
    throw new VigilError('LOG_NOT_FOUND', `${file} does not exist`, {
      hint: 'check the path, or quote a glob',
    });
  }
  if (!isFile)
    throw new VigilError('LOG_NOT_FOUND', `${file} is not a file`, {
      hint: 'give log files, not directories',
    });
  try {
    accessSync(file, constants.R_OK);
  } catch {
    throw new VigilError('LOG_UNREADABLE', `cannot read ${file}: permission denied`, {
      hint: 'run as a user in the log file group (often adm) or grant read access',
    });
  }
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const hhmm = (ms: number) => new Date(ms).toISOString().slice(5, 16).replace('T', ' ');
const gb = (b: number) =>
  b >= 1 << 30 ? `${(b / 2 ** 30).toFixed(2)} GiB` : `${(b / 2 ** 20).toFixed(1)} MiB`;

/** Without paths: the files under `logs:` in vigil.yaml (globs expanded). */
async function configuredLogs(io: Io, config: string | undefined): Promise<string[]> {
  // Loaded only here: the config schema pulls in every check kind, and scan must start fast.
  const [{ loadConfig }, { configPath }, { globSync, isDynamicPattern }] = await Promise.all([
    import('../config/loader.js'),
    import('./config-path.js'),
    import('tinyglobby'),
  ]);
  const loaded = loadConfig(configPath(io, config), io.env);
  const base = path.dirname(path.resolve(io.cwd, loaded.file));
  return loaded.config.logs.flatMap((l) =>
    isDynamicPattern(l.path)
      ? globSync(l.path, { absolute: true, onlyFiles: true, cwd: base }).sort()
      : [path.resolve(base, l.path)],
  );
}
