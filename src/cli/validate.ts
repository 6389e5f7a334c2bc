import { unproducedSeries } from '../alerting/unproduced.js';
import { VigilError } from '../errors.js';
import { loadSetup } from '../services/setup.js';
import { configPath } from './config-path.js';
import type { Io } from './output.js';

/** Every problem at once, `file:line:col: message (hint)`, exit 2; or a one-line summary, exit 0. */
export function validateCommand(io: Io, opts: { config?: string; json?: boolean }): number {
  const file = configPath(io, opts.config);
  try {
    const { loaded, groups } = loadSetup(file, io.env);
    const { config } = loaded;
    const rules = groups.reduce((n, g) => n + g.rules.length, 0);
    // Valid, yet a rule that selects a series nothing produces can never fire: say so, exit 0.
    const warnings = unproducedSeries(config, groups);
    if (opts.json) {
      io.out(
        JSON.stringify({ valid: true, file, checks: config.checks.length, rules, problems: [], warnings }),
      );
      return 0;
    }
    for (const w of warnings) io.err(`${w.where}: warning: ${w.message} (${w.hint})`);
    const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    io.out(
      `${file}: valid (${count(config.checks.length, 'check')}, ${count(rules, 'rule')}` +
        `${warnings.length ? `, ${count(warnings.length, 'warning')}` : ''})`,
    );
    return 0;
  } catch (e) {
    if (!(e instanceof VigilError) || e.code !== 'CONFIG_INVALID') throw e;
    if (opts.json) {
      io.out(JSON.stringify({ valid: false, file, problems: e.problems }));
    } else {
      for (const p of e.problems) io.err(`${p.where}: ${p.message}${p.hint ? ` (${p.hint})` : ''}`);
      io.err(`${e.problems.length} problem${e.problems.length === 1 ? '' : 's'} found`);
    }
    return 2;
  }
}
