import { userInfo } from 'node:os';
import { loadConfig } from '../config/loader.js';
import { openStore, type Store } from '../store/store.js';
import { configPath } from './config-path.js';
import type { Io } from './output.js';

/** Opens the configured store for one command and closes it afterwards, whatever happens. */
export async function withStore<T>(
  io: Io,
  config: string | undefined,
  fn: (store: Store) => Promise<T>,
): Promise<T> {
  const { config: c } = loadConfig(configPath(io, config), io.env);
  const store = await openStore(c.storage);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export const isoTime = (ms: number | null) =>
  ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Who is acting, for silences and incidents: the given name, else the login name. */
export function actor(io: Io, given?: string): string {
  if (given) return given;
  try {
    return io.env.USER ?? userInfo().username;
  } catch {
    return '';
  }
}
