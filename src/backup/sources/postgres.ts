import { access } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { redactUrl } from '../../config/redact.js';
import { BackupFailed, capture, runPipeline } from '../pipeline.js';
import type { BackupSource } from '../types.js';

export interface PostgresSpec {
  /** postgres://user:password@host:port/database; the password goes to the tools through PGPASSWORD */
  url: string;
  /** also dump roles and tablespaces (pg_dumpall --globals-only): they are not in a database dump */
  globals: boolean;
}

const dumpFile = 'dump.pgc';
const globalsFile = 'globals.sql';

/** PostgreSQL through its own tools: `pg_dump -Fc`, read and restored by `pg_restore`. */
export const postgresSource: BackupSource<PostgresSpec> = {
  schema: z.strictObject({
    url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL'),
    globals: z.boolean().default(false),
  }),
  tablesExist:
    "select count(*) > 0 from information_schema.tables where table_schema not in ('pg_catalog', 'information_schema')",
  describe: (s) => redactUrl(s.url),

  async dump(spec, ctx) {
    const { url, env } = split(spec.url);
    // The version is asked while the dump runs, not before it: the backup waits for one process, not two.
    const pgDumpVersion = capture(['pg_dump', '--version']);
    await runPipeline([{ argv: ['pg_dump', '-Fc', `--dbname=${url}`], env }], {
      output: path.join(ctx.dir, dumpFile),
      signal: ctx.signal,
      onProgress: ctx.onProgress,
    });
    const tools: Record<string, string> = { pg_dump: (await pgDumpVersion) ?? 'unknown' };
    if (spec.globals) {
      tools.pg_dumpall = (await capture(['pg_dumpall', '--version'])) ?? 'unknown';
      await runPipeline([{ argv: ['pg_dumpall', '--globals-only', `--dbname=${url}`], env }], {
        output: path.join(ctx.dir, globalsFile),
        signal: ctx.signal,
      });
    }
    return { tools };
  },

  async read(_spec, dir, signal) {
    // Not `pg_restore --list`: it reads only the table of contents and passes a truncated dump.
    await runPipeline([{ argv: ['pg_restore', '-f', '/dev/null', path.join(dir, dumpFile)] }], { signal });
    if (await exists(path.join(dir, globalsFile))) {
      const text = await runPipeline([{ argv: ['tail', '-c', '256', path.join(dir, globalsFile)] }], {
        signal,
      });
      if (!text.stdout.includes('PostgreSQL database cluster dump complete'))
        throw new BackupFailed('globals.sql is incomplete: its completion line is missing');
    }
    return 'pg_restore read the whole dump';
  },

  async restore(_spec, dir, to, signal) {
    await ensureDatabase(to);
    const { url, env } = split(to);
    const live = await postgresSource.existing(_spec, to);
    await runPipeline(
      [
        {
          argv: [
            'pg_restore',
            '--exit-on-error',
            '--no-owner',
            ...(live ? ['--clean', '--if-exists'] : []),
            `--dbname=${url}`,
            path.join(dir, dumpFile),
          ],
          env,
        },
      ],
      { signal },
    );
  },

  async scratch(spec, opts) {
    // Without a server named for restore tests, the scratch database goes beside the source.
    const into = opts.into ?? spec.url;
    const server = new URL(into);
    const source = new URL(spec.url);
    const name = `vigil_restore_${opts.name}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    const target = new URL(into);
    target.pathname = `/${name}`;
    if (sameDatabase(source, target)) {
      throw new BackupFailed(
        'the scratch database is the source database',
        'restore tests never touch the source',
      );
    }
    await admin(server.toString(), `create database "${name}"`);
    const client = new (await driver()).Client({ connectionString: target.toString() });
    let connected = false;
    return {
      target: target.toString(),
      label: redactUrl(target.toString()),
      async assert(check) {
        if (!connected) {
          await client.connect();
          connected = true;
        }
        const r = await client.query({ text: check, rowMode: 'array' });
        return truthy(r.rows[0]?.[0]);
      },
      async drop() {
        if (connected) await client.end().catch(() => {});
        await admin(server.toString(), `drop database if exists "${name}" with (force)`);
      },
    };
  },

  manualSteps(spec, dir) {
    const target = redactUrl(spec.url);
    return [
      ...(spec.globals
        ? [`psql -v ON_ERROR_STOP=1 -d '${target}' -f ${dir}/${globalsFile}   # roles, if missing`]
        : []),
      `pg_restore --exit-on-error --no-owner --clean --if-exists -d '${target}' ${dir}/${dumpFile}`,
    ];
  },

  async existing(_spec, to) {
    const client = new (await driver()).Client({ connectionString: to });
    try {
      await client.connect();
    } catch (e) {
      if ((e as { code?: string }).code === '3D000') return undefined;
      throw e;
    }
    try {
      const r = await client.query<{ n: string }>(
        `select count(*) as n from information_schema.tables
         where table_schema not in ('pg_catalog', 'information_schema')`,
      );
      const n = Number(r.rows[0]?.n ?? 0);
      return n ? `${n} tables in ${redactUrl(to)}` : undefined;
    } finally {
      await client.end();
    }
  },
};

export function truthy(v: unknown): boolean {
  return v === true || v === 1 || v === 't' || v === '1' || v === 'true' || v === 1n;
}

/** The URL without its password, and the password as PGPASSWORD: argv is readable by every user. */
function split(raw: string): { url: string; env: Record<string, string> } {
  const u = new URL(raw);
  const env: Record<string, string> = {};
  if (u.password) {
    env.PGPASSWORD = decodeURIComponent(u.password);
    u.password = '';
  }
  return { url: u.toString(), env };
}

function sameDatabase(a: URL, b: URL): boolean {
  const port = (u: URL) => u.port || '5432';
  return a.hostname === b.hostname && port(a) === port(b) && a.pathname === b.pathname;
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new (await driver()).Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

async function ensureDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.slice(1));
  u.pathname = '/postgres';
  const client = new (await driver()).Client({ connectionString: u.toString() });
  await client.connect();
  try {
    const r = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!r.rowCount) await client.query(`create database "${name.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** The driver, loaded by the first restore check: the config schema lists this source for every command. */
const driver = async () => (await import('pg')).default;
