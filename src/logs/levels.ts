import type { LogFormat } from './structured.js';

/** The levels Vigil counts, most severe first. */
export const levelNames = ['fatal', 'error', 'warn'] as const;
export type Level = (typeof levelNames)[number];

export interface LevelNeedle {
  level: string;
  needle: Buffer;
}

/**
 * The byte strings that mark a line's level. Plain-text logs say `ERROR`;
 * JSON logs say `"level":"error"` (or pino's numbers, 50 and 60). A needle is
 * searched with Buffer.indexOf, so a line is decoded only when it matters.
 */
export function levelNeedles(levels: readonly string[], format: boolean | LogFormat): LevelNeedle[] {
  const words =
    format === true || format === 'json' ? jsonWords : format === 'logfmt' ? logfmtWords : textWords;
  const out: LevelNeedle[] = [];
  for (const level of levels) {
    for (const text of words[level] ?? []) {
      out.push({ level, needle: Buffer.from(text) });
    }
  }
  return out;
}

const textWords: Record<string, string[]> = {
  fatal: ['FATAL'],
  error: ['ERROR'],
  warn: ['WARN', 'WARNING'],
};

/** The level field as pino/bunyan (numbers), winston, zap, logrus, ECS (`log.level`) and GCP (`severity`) write it. */
const jsonWords: Record<string, string[]> = {
  fatal: fieldWords(['"level":', '"log.level":', '"severity":'], ['fatal', 'critical', 'panic'], true).concat(
    '"level":60',
    '"level": 60',
  ),
  error: fieldWords(['"level":', '"log.level":', '"severity":'], ['error'], true).concat(
    '"level":50',
    '"level": 50',
  ),
  warn: fieldWords(['"level":', '"log.level":', '"severity":'], ['warn', 'warning'], true).concat(
    '"level":40',
    '"level": 40',
  ),
};

/** `level=error` as Go's slog and logrus write it (and `lvl=` as go-kit does). */
const logfmtWords: Record<string, string[]> = {
  fatal: fieldWords(['level=', 'lvl='], ['fatal', 'critical', 'panic', 'crit'], false),
  error: fieldWords(['level=', 'lvl='], ['error', 'err'], false),
  warn: fieldWords(['level=', 'lvl='], ['warn', 'warning'], false),
};

/** Every key with every level word in lower, upper and capitalized case, quoted for JSON. */
function fieldWords(keys: string[], words: string[], json: boolean): string[] {
  const out: string[] = [];
  for (const key of keys) {
    for (const w of words) {
      for (const v of new Set([w, w.toUpperCase(), w[0]!.toUpperCase() + w.slice(1)])) {
        if (json) out.push(`${key}"${v}"`, `${key} "${v}"`);
        else out.push(`${key}${v}`, `${key}"${v}"`);
      }
    }
  }
  return out;
}

/** A log whose first bytes look like a JSON object per line. */
export function looksLikeJson(head: Buffer, length: number): boolean {
  for (let i = 0; i < length; i++) {
    const c = head[i]!;
    if (c === 32 || c === 9 || c === 10 || c === 13) continue;
    return c === 123;
  }
  return false;
}

/**
 * The level a line (or record) states: a JSON `level` field, else the first
 * level word. Used where lines are decoded anyway (the log check).
 */
export function levelOf(text: string): Level | undefined {
  if (text.charCodeAt(0) === 123) {
    const m = /"(?:level|severity|lvl|log\.level)"\s*:\s*(?:"([A-Za-z]+)"|(\d+))/.exec(text);
    if (m) {
      if (m[2] !== undefined) {
        const n = Number(m[2]);
        return n >= 60 ? 'fatal' : n >= 50 ? 'error' : n >= 40 ? 'warn' : undefined;
      }
      return wordLevel(m[1]!.toLowerCase());
    }
  }
  const kv = /(?:^|\s)(?:level|lvl)="?([A-Za-z]+)/.exec(text);
  if (kv) return wordLevel(kv[1]!.toLowerCase());
  const w = /\b(FATAL|CRITICAL|ERROR|WARN(?:ING)?)\b/.exec(text);
  return w ? wordLevel(w[1]!.toLowerCase()) : undefined;
}

function wordLevel(w: string): Level | undefined {
  if (w === 'fatal' || w === 'critical' || w === 'crit' || w === 'emerg' || w === 'alert') return 'fatal';
  if (w === 'error' || w === 'err') return 'error';
  if (w === 'warn' || w === 'warning') return 'warn';
  return undefined;
}
