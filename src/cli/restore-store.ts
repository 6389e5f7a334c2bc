import { VigilError } from '../errors.js';
import { configPath } from './config-path.js';
import { type Io, paint } from './output.js';

export interface Opts {
  config?: string;
  job?: string;
  backup?: string;
  force?: boolean;
  json?: boolean;
}

/**
 * `vigil restore-store`: bring a node back from Vigil's own backup. Reads the repository, not the
 * catalogue (the catalogue is in the store being replaced), restores the newest backup of the job
 * that backs up the store, then opens the store as `vigil up` would (migrating an older one).
 */
export async function restoreStoreCommand(io: Io, opts: Opts): Promise<number> {
  // Loaded when used, like every command's code: `vigil --help` should not load the store's drivers.
  const [{ planStoreRestore, restoreStore }, { loadConfig }, { openStore, redactUrl }] = await Promise.all([
    import('../backup/restore-store.js'),
    import('../config/loader.js'),
    import('../store/store.js'),
  ]);
  const file = configPath(io, opts.config);
  const { config } = loadConfig(file, io.env);
  if (await answers(config.server.listen)) {
    throw new VigilError(
      'USAGE',
      `Vigil is running on ${config.server.listen}: it would keep writing the old store`,
      {
        hint: 'stop it (kill -TERM <pid> or systemctl stop vigil), then restore',
      },
    );
  }
  const plan = await planStoreRestore(config, file, opts);
  const { manifest } = plan.backup;
  const shown = redactUrl(plan.target);
  if (!opts.json) io.err(`restoring ${manifest.job} ${manifest.id} (${manifest.startedAt}) into ${shown}…`);
  const done = await restoreStore(plan, { force: opts.force });
  const store = await openStore(config.storage);
  let counts: { checks: number; users: number };
  try {
    counts = { checks: (await store.checks.all()).length, users: (await store.users.list()).length };
  } finally {
    await store.close();
  }
  if (opts.json) {
    io.out(
      JSON.stringify(
        {
          ok: true,
          job: manifest.job,
          id: manifest.id,
          startedAt: manifest.startedAt,
          target: shown,
          ...done,
          ...counts,
        },
        null,
        2,
      ),
    );
  } else {
    io.out(
      `${paint(io, 'ok', 'ok')}  restored backup ${manifest.id} of ${manifest.startedAt} into ${shown}` +
        `${done.overwrote ? ` (replaced ${done.overwrote})` : ''}: ${n(counts.checks, 'check')}, ${n(counts.users, 'user')}. ` +
        'Start Vigil with `vigil up`.',
    );
  }
  return 0;
}

/** Whether something answers /health on the configured address: a running daemon. */
async function answers(listen: string): Promise<boolean> {
  try {
    const res = await fetch(`http://${listen}/health`, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

const n = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;
