import { command } from './command.js';
import { mariadb } from './mariadb.js';
import { postgres } from './postgres.js';
import { sqlite } from './sqlite.js';
import { store } from './store.js';
import type { TaskKind } from './types.js';

/** Every maintenance task kind: one file each, one line here. */
export const taskKinds = {
  postgres,
  mariadb,
  sqlite,
  command,
  store,
} satisfies Record<string, TaskKind<any>>;

export type TaskKindName = keyof typeof taskKinds;
export const taskKindNames = Object.keys(taskKinds) as TaskKindName[];
