import { VigilError } from '../errors.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** rewrite the current terminal line (a progress bar); only called when isTTY */
  progress?(text: string): void;
  isTTY: boolean;
  env: Record<string, string | undefined>;
  cwd: string;
}

const colors = { ok: 32, warning: 33, critical: 31, unknown: 35, pending: 90 } as const;

export function paint(io: Io, status: string, text = status): string {
  const code = colors[status as keyof typeof colors];
  if (!io.isTTY || io.env.NO_COLOR || code === undefined) return text;
  return `\u001b[${code}m${text}\u001b[0m`;
}

/** A plain table: columns padded to their widest cell, the last one free. */
export function table(
  rows: string[][],
  visibleWidth: (s: string) => number = (s) => stripAnsi(s).length,
): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, visibleWidth(c));
    });
  }
  return rows
    .map((row) =>
      row
        .map((c, i) => (i === row.length - 1 ? c : c + ' '.repeat(widths[i]! - visibleWidth(c))))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

const stripAnsi = (s: string) => s.replace(/\u001b\[\d+m/g, '');

/** One line and a hint; the stack only with --debug. */
export function printError(io: Io, e: unknown, debug: boolean): number {
  if (e instanceof VigilError) {
    io.err(`vigil: ${e.message} [${e.code}]`);
    if (e.hint) io.err(`  hint: ${e.hint}`);
    if (debug && e.stack) io.err(e.stack);
    return e.exitCode;
  }
  io.err(`vigil: unexpected failure: ${(e as Error)?.message ?? String(e)} [RUNTIME]`);
  io.err('  hint: run again with --debug and report it if it persists');
  if (debug && e instanceof Error && e.stack) io.err(e.stack);
  return 3;
}
