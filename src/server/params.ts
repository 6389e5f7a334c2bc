import { VigilError } from '../errors.js';

/**
 * A time as the API takes it, in a query string or a JSON body: ISO 8601, or
 * milliseconds since the epoch (as a number or as digits). Undefined when absent.
 */
export function apiTime(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const t = typeof v === 'number' ? v : /^\d+$/.test(String(v)) ? Number(v) : Date.parse(String(v));
  if (!Number.isFinite(t)) {
    throw new VigilError('USAGE', `${what} is neither an ISO 8601 time nor milliseconds since the epoch`, {
      hint: `e.g. ${what}=2026-11-27T08:00:00Z`,
    });
  }
  return t;
}
