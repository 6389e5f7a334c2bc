import { parseDuration } from '../core/duration.js';
import { VigilError } from '../errors.js';

/** `--since 7d` (that long before now) or `--since 2026-11-01T00:00Z`. */
export function parseSince(text: string | undefined, now: number): number | undefined {
  if (text === undefined) return undefined;
  const d = parseDuration(text);
  if (d !== undefined) return now - d;
  const t = Date.parse(text);
  if (Number.isFinite(t) && /^\d{4}-\d{2}-\d{2}/.test(text)) return t;
  throw new VigilError('USAGE', `--since "${text}" is neither a duration nor a time`, {
    hint: 'e.g. --since 7d or --since 2026-11-01T00:00:00Z',
  });
}
