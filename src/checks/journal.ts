import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { duration } from '../config/types.js';
import { journalMissing } from '../logs/scan-journal.js';
import type { CheckKind, Sample } from './types.js';

const schema = z.strictObject({
  /** a systemd unit, e.g. app.service; absent: the whole journal */
  unit: z.string().min(1).optional(),
  /** the first run reads this far back; later runs resume after the saved cursor */
  since: duration().prefault('0s'),
});

export type JournalSpec = z.output<typeof schema>;

interface JournalState {
  cursor?: string;
  lines: number;
  levels: Record<string, number>;
}

/**
 * Reads the systemd journal with `journalctl -o json`, resuming after the
 * cursor it saved last time (`--after-cursor`; `--since` on the first run),
 * and counts entries by priority: 0–2 fatal, 3 error, 4 warn. Samples the same
 * series as the log check, labelled by unit, so `error_rate` works for both:
 * `log_lines_total{unit}`, `log_matches_total{unit,level}`, `error_rate{unit}`.
 * A periodic read to the end replaces `--follow`, so a check holds no process
 * between runs.
 */
export const journalCheck: CheckKind<JournalSpec> = {
  schema,
  series: ['error_rate', 'log_lines_total', 'log_matches_total'],
  target: (spec) => `journal${spec.unit ? ` of ${spec.unit}` : ''}`,
  async run(spec, ctx) {
    const saved = validState(await ctx.state.get());
    const args = ['-o', 'json', '--no-pager', '-q'];
    if (spec.unit) args.push('-u', spec.unit);
    if (saved?.cursor) args.push(`--after-cursor=${saved.cursor}`);
    else args.push(`--since=@${Math.floor((ctx.now() - spec.since) / 1000)}`);

    const state: JournalState = saved ? { ...saved, levels: { ...saved.levels } } : { lines: 0, levels: {} };
    const delta = { lines: 0, errors: 0 };
    let stderr = '';
    let bad = 0;
    const outcome = await new Promise<{ error?: string }>((resolve) => {
      const child = spawn('journalctl', args, { stdio: ['ignore', 'pipe', 'pipe'], signal: ctx.signal });
      child.stderr.on('data', (d) => {
        if (stderr.length < 2000) stderr += d;
      });
      const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
      lines.on('line', (line) => {
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line);
        } catch {
          bad++;
          return;
        }
        if (typeof entry.__CURSOR === 'string') state.cursor = entry.__CURSOR;
        state.lines++;
        delta.lines++;
        const level = levelOf(Number(entry.PRIORITY ?? 6));
        if (level) {
          state.levels[level] = (state.levels[level] ?? 0) + 1;
          if (level !== 'warn') delta.errors++;
        }
      });
      child.on('error', (e) =>
        resolve({
          error:
            (e as NodeJS.ErrnoException).code === 'ENOENT'
              ? 'journalctl not found: this machine has no systemd journal tools (Debian package systemd)'
              : e.message,
        }),
      );
      child.on('close', (code) => {
        lines.close();
        resolve(code === 0 ? {} : { error: `journalctl exited with ${code}: ${stderr.trim()}` });
      });
    });
    if (outcome.error && saved?.cursor && /cursor/i.test(outcome.error)) {
      // The journal was vacuumed or rotated past our cursor: start again from now, keep the totals.
      await ctx.state.set({ ...saved, cursor: undefined });
      return {
        status: 'warning',
        message: `the saved journal cursor is no longer valid; resuming from now (${outcome.error})`,
      };
    }
    if (outcome.error) return { status: 'critical', message: outcome.error };
    // journalctl exits 0 on a machine that keeps no journal: that is not "0 new entries".
    const missing = delta.lines === 0 && !saved?.cursor ? await journalMissing() : undefined;
    if (missing) return { status: 'unknown', message: `journalctl: ${missing}` };
    await ctx.state.set(state);

    const labels = { unit: spec.unit ?? '' };
    const samples: Sample[] = [
      { name: 'log_lines_total', labels, value: state.lines },
      ...(['fatal', 'error', 'warn'] as const).map((level) => ({
        name: 'log_matches_total',
        labels: { ...labels, level },
        value: state.levels[level] ?? 0,
      })),
      { name: 'error_rate', labels, value: delta.lines ? delta.errors / delta.lines : 0 },
    ];
    const parts = (['fatal', 'error', 'warn'] as const)
      .filter((l) => state.levels[l])
      .map((l) => `${state.levels[l]} ${l} in total`);
    return {
      status: 'ok',
      message: `${delta.lines} new entr${delta.lines === 1 ? 'y' : 'ies'} (${delta.errors} error)${parts.length ? `; ${parts.join(', ')}` : ''}${bad ? `; ${bad} unreadable line(s)` : ''}`,
      samples,
    };
  },
};

/** syslog priorities: 0 emerg, 1 alert, 2 crit, 3 err, 4 warning. */
function levelOf(priority: number): 'fatal' | 'error' | 'warn' | undefined {
  if (!Number.isFinite(priority)) return undefined;
  if (priority <= 2) return 'fatal';
  if (priority === 3) return 'error';
  if (priority === 4) return 'warn';
  return undefined;
}

function validState(v: unknown): JournalState | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const s = v as Partial<JournalState>;
  if (typeof s.lines !== 'number' || typeof s.levels !== 'object' || s.levels === null) return undefined;
  if (s.cursor !== undefined && typeof s.cursor !== 'string') return undefined;
  return s as JournalState;
}
