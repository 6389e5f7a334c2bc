import type { Expr } from './ast.js';
import { PromQLError } from './errors.js';
import { parsePromQL } from './parse.js';

/** Parses without throwing: the runner decides what a refusal means for a block. */
export function parse(expr: string): Expr | PromQLError {
  try {
    return parsePromQL(expr);
  } catch (e) {
    if (e instanceof PromQLError) return e;
    return new PromQLError('parse', e instanceof Error ? e.message : String(e));
  }
}
