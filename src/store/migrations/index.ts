import type { Kysely, Migration, MigrationProvider } from 'kysely';
import type { StoreDialect } from '../dialects/capabilities.js';
import * as m001 from './001-initial.js';
import * as m002 from './002-alert-transitions.js';
import * as m003 from './003-notifications.js';
import * as m004 from './004-log-state.js';
import * as m005 from './005-backups.js';
import * as m006 from './006-auth.js';
import * as m007 from './007-changes.js';
import * as m008 from './008-routines.js';
import * as m009 from './009-jobs.js';
import * as m010 from './010-cluster.js';
import * as m011 from './011-oncall.js';
import * as m012 from './012-probes.js';
import * as m013 from './013-check-up.js';
import * as m014 from './014-alert-fingerprints.js';

interface DialectMigration {
  up(db: Kysely<any>, d: StoreDialect): Promise<void>;
}

/** Ordered, versioned, and never edited once released: add a new file instead. */
const migrations: Record<string, DialectMigration> = {
  '001-initial': m001,
  '002-alert-transitions': m002,
  '003-notifications': m003,
  '004-log-state': m004,
  '005-backups': m005,
  '006-auth': m006,
  '007-changes': m007,
  '008-routines': m008,
  '009-jobs': m009,
  '010-cluster': m010,
  '011-oncall': m011,
  '012-probes': m012,
  '013-check-up': m013,
  '014-alert-fingerprints': m014,
};

/** Migrations in code rather than read from a folder, so the built package needs no file layout. */
export function migrationProvider(d: StoreDialect): MigrationProvider {
  return {
    async getMigrations() {
      return Object.fromEntries(
        Object.entries(migrations).map(([name, m]): [string, Migration] => [
          name,
          { up: (db) => m.up(db, d) },
        ]),
      );
    },
  };
}
