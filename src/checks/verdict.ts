import { z } from 'zod';
import type { CheckStatus } from './types.js';

/**
 * Helpers the inventory kinds (docker, kubernetes, postgres, mariadb) share:
 * each finds several things wrong at once and must say the worst first, in
 * one line, the way `docker ps` or `kubectl get pods` would list them.
 */

/** A ratio as 0.8 or "80%", the way alert conditions write it. */
export const ratio = z.union([
  z.number().min(0).max(1),
  z
    .string()
    .regex(/^\d+(?:\.\d+)?%$/, 'write a ratio as 0.8 or "80%"')
    .transform((s) => Number(s.slice(0, -1)) / 100)
    .refine((r) => r <= 1, 'a percentage is at most 100%'),
]);

/** One thing a check found wrong; `rank` orders findings of one status (higher = worse). */
export interface Finding {
  status: 'warning' | 'critical';
  text: string;
  rank?: number;
}

const severity: Record<CheckStatus, number> = { ok: 0, unknown: 1, warning: 2, critical: 3 };

/** Most findings a message names before it says "and N more". */
const shown = 5;

/**
 * The check's status and one-line message: the worst finding's status, the
 * findings worst first, the rest counted; `summary` when nothing is wrong.
 */
export function verdict(findings: Finding[], summary: string): { status: CheckStatus; message: string } {
  if (!findings.length) return { status: 'ok', message: summary };
  const sorted = [...findings].sort(
    (a, b) => severity[b.status] - severity[a.status] || (b.rank ?? 0) - (a.rank ?? 0),
  );
  const more = sorted.length - shown;
  const text = sorted
    .slice(0, shown)
    .map((f) => f.text)
    .join('; ');
  return { status: sorted[0]!.status, message: more > 0 ? `${text}; and ${more} more` : text };
}

/** "45s", "12m", "3h", "2d": the coarse age `kubectl` and `docker ps` print. */
export function age(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172_800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** A connection URL with its password replaced, for targets and messages. */
export { redactUrl } from '../config/redact.js';

/** A driver's message with the URL's password taken out, should a driver ever echo it. */
export function scrub(message: string, url: string): string {
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    return message;
  }
  return password ? message.split(password).join('***') : message;
}
