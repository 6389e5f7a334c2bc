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
export function levelNeedles(levels: readonly string[], json: boolean): LevelNeedle[] {
  const out: LevelNeedle[] = [];
  for (const level of levels) {
    for (const text of json ? (jsonWords[level] ?? []) : (textWords[level] ?? [])) {
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

const jsonWords: Record<string, string[]> = {
  fatal: ['"level":"fatal"', '"level":"critical"', '"level":60'],
  error: ['"level":"error"', '"level":50'],
  warn: ['"level":"warn"', '"level":"warning"', '"level":40'],
};

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
    const m = /"(?:level|severity|lvl)"\s*:\s*(?:"([A-Za-z]+)"|(\d+))/.exec(text);
    if (m) {
      if (m[2] !== undefined) {
        const n = Number(m[2]);
        return n >= 60 ? 'fatal' : n >= 50 ? 'error' : n >= 40 ? 'warn' : undefined;
      }
      return wordLevel(m[1]!.toLowerCase());
    }
  }
  const w = /\b(FATAL|CRITICAL|ERROR|WARN(?:ING)?)\b/.exec(text);
  return w ? wordLevel(w[1]!.toLowerCase()) : undefined;
}

function wordLevel(w: string): Level | undefined {
  if (w === 'fatal' || w === 'critical' || w === 'crit' || w === 'emerg' || w === 'alert') return 'fatal';
  if (w === 'error' || w === 'err') return 'error';
  if (w === 'warn' || w === 'warning') return 'warn';
  return undefined;
}
