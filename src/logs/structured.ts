/**
 * Structured logs: JSON lines (pino, bunyan, winston, zap, logrus, ECS) and logfmt (Go's
 * log/slog, logrus's text form, Heroku). A file's format is told from its first line; the
 * level and the message then come from their fields, so the message, not the whole record
 * with its ids and times, is what a fingerprint counts.
 */
export type LogFormat = 'plain' | 'json' | 'logfmt';

/** The format of a log, from its first bytes. */
export function detectFormat(head: Buffer, length: number): LogFormat {
  let i = 0;
  while (i < length && (head[i] === 32 || head[i] === 9 || head[i] === 10 || head[i] === 13)) i++;
  if (head[i] === 123) return 'json';
  const nl = head.indexOf(10, i);
  const first = head.toString('utf8', i, nl < 0 || nl > length ? length : nl);
  return isLogfmt(first) ? 'logfmt' : 'plain';
}

/** `time=… level=error msg="…"`: at least two pairs, one of them a level or message. */
function isLogfmt(line: string): boolean {
  const pairs = [...line.matchAll(/(?:^|\s)([A-Za-z_][\w.-]*)=(?:"(?:[^"\\]|\\.)*"|\S*)/g)];
  return pairs.length >= 2 && pairs.some((p) => /^(level|lvl|msg|message|severity)$/.test(p[1]!));
}

const messageKeys = ['msg', 'message', '@m', '@message', 'MESSAGE', 'log', 'event', 'error'];

/**
 * The message of a structured line; the whole line when it has none (or is not what its
 * file's format says). ECS nests nothing for the message; zap and pino use `msg`.
 */
export function messageOf(line: string, format: LogFormat): string {
  if (format === 'plain') return line;
  const fields = format === 'json' ? jsonFields(line) : logfmtFields(line);
  if (!fields) return line;
  for (const k of messageKeys) {
    const v = fields[k];
    if (typeof v === 'string' && v.trim()) return v;
  }
  return line;
}

function jsonFields(line: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(line) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** logfmt pairs; a quoted value has its escapes undone. */
export function logfmtFields(line: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let n = 0;
  for (const m of line.matchAll(/(?:^|\s)([A-Za-z_][\w.-]*)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
    const raw = m[2]!;
    out[m[1]!] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    n++;
  }
  return n ? out : undefined;
}
