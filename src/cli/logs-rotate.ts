import { loadConfig } from '../config/loader.js';
import { VigilError } from '../errors.js';
import { rotateAll } from '../services/rotation.js';
import { openStore } from '../store/store.js';
import { configPath } from './config-path.js';
import type { Io } from './output.js';

/**
 * `vigil logs rotate`: rotate the configured logs that are due, now. With
 * --dry-run, print what would happen and change nothing (not even the store).
 */
export async function logsRotateCommand(
  io: Io,
  opts: { config?: string; dryRun?: boolean; json?: boolean },
  now = Date.now(),
): Promise<number> {
  const { config } = loadConfig(configPath(io, opts.config), io.env);
  const entries = config.logs.filter((l) => l.rotate);
  if (!entries.length) {
    io.out('no logs with rotate: in the config');
    return 0;
  }
  const store = await openStore(config.storage);
  try {
    const { results, errors } = await rotateAll(entries, {
      now,
      store: store.state,
      dryRun: opts.dryRun,
      cwd: io.cwd,
    });
    if (opts.json) {
      io.out(
        JSON.stringify(
          {
            dryRun: Boolean(opts.dryRun),
            results,
            errors: errors.map((e) => ({
              file: e.file,
              code: e.error instanceof VigilError ? e.error.code : 'RUNTIME',
              message: (e.error as Error).message,
            })),
          },
          null,
          2,
        ),
      );
    } else {
      for (const r of results) {
        io.out(
          `${r.rotated ? (opts.dryRun ? 'would rotate' : 'rotated') : 'skipped'}  ${r.file}  (${r.reason})`,
        );
        for (const a of r.actions) io.out(`    ${a.op} ${[a.from, a.to].filter(Boolean).join(' → ')}`);
      }
      for (const e of errors) {
        io.err(
          `vigil: ${(e.error as Error).message}${e.error instanceof VigilError ? ` [${e.error.code}]` : ''}`,
        );
        if (e.error instanceof VigilError && e.error.hint) io.err(`  hint: ${e.error.hint}`);
      }
    }
    if (!errors.length) return 0;
    return Math.max(...errors.map((e) => (e.error instanceof VigilError ? e.error.exitCode : 3)));
  } finally {
    await store.close();
  }
}
