import { filesSource } from './sources/files.js';
import { mariadbSource } from './sources/mariadb.js';
import { postgresSource } from './sources/postgres.js';
import { resticSource } from './sources/restic.js';
import { sqliteSource } from './sources/sqlite.js';
import type { BackupSource } from './types.js';

/**
 * Every backup source, by the key that selects it in a job of vigil.yaml.
 * Adding a source is one file plus one line here: the config schema reads this object.
 */
export const backupSources = {
  postgres: postgresSource,
  mariadb: mariadbSource,
  mysql: mariadbSource,
  sqlite: sqliteSource,
  files: filesSource,
  restic: resticSource,
} satisfies Record<string, BackupSource<any>>;

export type BackupSourceName = keyof typeof backupSources;
export const backupSourceNames = Object.keys(backupSources) as BackupSourceName[];
