import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { redactUrl } from '../../config/redact.js';
import { BackupFailed, capture, hasProgram, runPipeline, type Stage } from '../pipeline.js';
import type { BackupSource } from '../types.js';
import { compressionOf, pickCompression } from './compression.js';
import { truthy } from './postgres.js';

export interface MariadbSpec {
  /** mysql://user:password@host:port/database; the password goes to the tools through MYSQL_PWD */
  url: string;
  compression: 'auto' | 'zstd' | 'gzip';
}

/** MariaDB and MySQL: `mariadb-dump --single-transaction` (or mysqldump), compressed, restored by the client. */
export const mariadbSource: BackupSource<MariadbSpec> = {
  schema: z.strictObject({
    url: z.string().regex(/^(mysql|mariadb):\/\/[^/]+\/[^/?]+/, 'a mysql://user@host:port/database URL'),
    compression: z.enum(['auto', 'zstd', 'gzip']).default('auto'),
  }),
  tablesExist: 'select count(*) > 0 from information_schema.tables where table_schema = database()',
  describe: (s) => redactUrl(s.url),

  async dump(spec, ctx) {
    const c = parse(spec.url);
    const tool = (await hasProgram('mariadb-dump')) ? 'mariadb-dump' : 'mysqldump';
    const compression = await pickCompression(spec.compression);
    await runPipeline(
      [
        {
          argv: [tool, ...c.args, '--single-transaction', '--routines', '--events', '--triggers', c.database],
          env: c.env,
        },
        compression.compress,
      ],
      {
        output: path.join(ctx.dir, `dump.sql.${compression.ext}`),
        signal: ctx.signal,
        onProgress: ctx.onProgress,
      },
    );
    return {
      tools: {
        [tool]: (await capture([tool, '--version'])) ?? 'unknown',
        [compression.compress.argv[0]!]:
          (await capture([compression.compress.argv[0]!, '--version'])) ?? 'unknown',
      },
    };
  },

  async read(_spec, dir, signal) {
    const file = await dumpFile(dir);
    // The whole file is decompressed (a truncated one fails here); the dump tool's last line says it finished.
    const r = await runPipeline([compressionOf(file).decompress(file), { argv: ['tail', '-c', '200'] }], {
      signal,
    });
    if (!/-- Dump completed/.test(r.stdout)) {
      throw new BackupFailed('the dump has no completion line: the dump tool did not finish');
    }
    return 'decompressed whole; the dump completion line is present';
  },

  async restore(_spec, dir, to, signal) {
    const file = await dumpFile(dir);
    const c = parse(to);
    await client({ ...c, database: '' }, `create database if not exists \`${c.database}\``);
    // The client in batch mode stops at the first error (no --force): a partial restore fails.
    await runPipeline(
      [
        compressionOf(file).decompress(file),
        { argv: [await clientTool(), ...c.args, c.database], env: c.env },
      ],
      { signal },
    );
  },

  async scratch(spec, opts) {
    // Without a server named for restore tests, the scratch database goes beside the source.
    const into = opts.into ?? spec.url;
    const server = { ...parse(into), database: '' };
    const name = `vigil_restore_${opts.name}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
    const source = parse(spec.url);
    if (source.host === server.host && source.port === server.port && source.database === name) {
      throw new BackupFailed(
        'the scratch database is the source database',
        'restore tests never touch the source',
      );
    }
    await client(server, `create database \`${name}\``);
    const target = { ...server, database: name };
    const u = new URL(into);
    u.pathname = `/${name}`;
    return {
      target: u.toString(),
      label: redactUrl(u.toString()),
      async assert(check) {
        const out = await client(target, check);
        return truthy(out.split('\n')[0]?.split('\t')[0]?.trim());
      },
      async drop() {
        await client(server, `drop database if exists \`${name}\``);
      },
    };
  },

  manualSteps(spec, dir) {
    const c = parse(spec.url);
    return [
      `zstd -dc ${dir}/dump.sql.zst | mariadb ${c.args.join(' ')} ${c.database}   # .gz: gzip -dc; password in MYSQL_PWD`,
    ];
  },

  async existing(_spec, to) {
    const c = parse(to);
    const n = Number(
      await client(
        { ...c, database: 'information_schema' },
        `select count(*) from tables where table_schema = '${c.database.replace(/'/g, "''")}'`,
      ),
    );
    return n ? `${n} tables in ${redactUrl(to)}` : undefined;
  },
};

interface Conn {
  host: string;
  port: string;
  database: string;
  args: string[];
  env: Record<string, string>;
}

function parse(raw: string): Conn {
  const u = new URL(raw);
  const host = u.hostname || '127.0.0.1';
  const port = u.port || '3306';
  const args = [`--host=${host}`, `--port=${port}`, '--protocol=tcp'];
  if (u.username) args.push(`--user=${decodeURIComponent(u.username)}`);
  const env: Record<string, string> = {};
  if (u.password) env.MYSQL_PWD = decodeURIComponent(u.password);
  return { host, port, database: decodeURIComponent(u.pathname.slice(1)), args, env };
}

async function clientTool(): Promise<string> {
  return (await hasProgram('mariadb')) ? 'mariadb' : 'mysql';
}

async function client(c: Conn, statement: string): Promise<string> {
  const stage: Stage = {
    argv: [
      await clientTool(),
      ...c.args,
      '--batch',
      '--skip-column-names',
      '-e',
      statement,
      c.database,
    ].filter(Boolean),
    env: c.env,
  };
  return (await runPipeline([stage], { signal: AbortSignal.timeout(60_000) })).stdout.trim();
}

async function dumpFile(dir: string): Promise<string> {
  const name = (await readdir(dir)).find((f) => f.startsWith('dump.sql.'));
  if (!name) throw new BackupFailed(`no dump.sql.* in ${dir}`);
  return path.join(dir, name);
}
