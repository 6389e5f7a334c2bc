import net from 'node:net';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mariadbCheck } from '../../src/checks/mariadb.js';
import { makeCtx } from './ctx.js';
import { mariadbAdminUrl, mariadbUp, unique, withPath } from './servers.js';

const parse = (spec: Record<string, unknown>) => mariadbCheck.schema.parse(spec);

describe.runIf(mariadbUp)('mariadb check, on the real server', () => {
  const user = `vigil_flood_${unique()}`.slice(0, 32);
  const password = 'flood-pw-Secret9';
  let admin: mysql.Connection;
  const open: mysql.Connection[] = [];

  beforeAll(async () => {
    admin = await mysql.createConnection({ uri: mariadbAdminUrl });
    // A per-account limit floods for real without lowering max_connections for every other test on the server.
    await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}' WITH MAX_USER_CONNECTIONS 3`);
    await admin.query(`GRANT USAGE ON *.* TO '${user}'@'%'`);
  });
  afterAll(async () => {
    await Promise.all(open.map((c) => c.end().catch(() => c.destroy())));
    await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await admin.end();
  });

  it('is ok on the idle server, with connection and InnoDB samples', async () => {
    const out = await mariadbCheck.run(parse({ url: mariadbAdminUrl }), makeCtx());
    expect(out).toMatchObject({
      status: 'ok',
      message: expect.stringMatching(/^\d+\/\d+ connections, \d+ running, \d+ms$/),
    });
    const names = new Set(out.samples?.map((s) => s.name));
    for (const n of ['mariadb_threads_connected', 'mariadb_max_connections', 'mariadb_slow_queries_total'])
      expect(names).toContain(n);
    // not a replica here: no replication series at all, rather than zeros that look like stopped threads
    expect(names).not.toContain('mariadb_replica_io_running');
  });

  it('turns critical when an account reaches its max_user_connections, and reports the refused login', async () => {
    const url = withPath(mariadbAdminUrl, '', user, password);
    for (let i = 0; i < 3; i++) open.push(await mysql.createConnection({ uri: url }));
    const out = await mariadbCheck.run(parse({ url: mariadbAdminUrl }), makeCtx());
    expect(out.status).toBe('critical');
    expect(out.message).toContain(`user ${user} at 3 of 3 connections (its max_user_connections)`);
    expect(out.samples).toContainEqual({ name: 'mariadb_user_connections', labels: { user }, value: 3 });

    const refused = await mariadbCheck.run(parse({ url: url.replace(/^mysql:/, 'mariadb:') }), makeCtx());
    expect(refused.status).toBe('critical');
    expect(refused.message).toContain(`has exceeded the 'max_user_connections' resource`);
    expect(refused.message).toContain(`${user}:***@`);
    expect(refused.message).not.toContain(password);
    await Promise.all(open.splice(0).map((c) => c.end()));
  });

  it('is critical when the login is refused', async () => {
    const out = await mariadbCheck.run(
      parse({ url: withPath(mariadbAdminUrl, '', user, 'wrong-Password1') }),
      makeCtx(),
    );
    expect(out.status).toBe('critical');
    expect(out.message).toContain(`Access denied for user '${user}'`);
    expect(out.message).not.toContain('wrong-Password1');
  });

  it('judges the buffer pool hit ratio when asked to', async () => {
    const out = await mariadbCheck.run(
      parse({ url: mariadbAdminUrl, critical: { buffer_pool_hit_ratio: 1 } }),
      makeCtx(),
    );
    const hit = out.samples?.find((s) => s.name === 'mariadb_innodb_buffer_pool_hit_ratio')?.value;
    if (hit === undefined || hit === 1) return; // a server that never read a page from disk has nothing to judge
    expect(out).toMatchObject({
      status: 'critical',
      message: expect.stringMatching(/InnoDB buffer pool hit ratio [\d.]+%/),
    });
  });

  it('rates slow queries between two runs', async () => {
    let now = 1_000_000;
    const ctx = makeCtx({ now: () => now });
    const spec = parse({ url: mariadbAdminUrl, warn: { slow_queries_per_second: 0.05 } });
    expect((await mariadbCheck.run(spec, ctx)).status).toBe('ok');
    // Every statement counts as slow with long_query_time 0; the counter moves whether or not the slow log is on.
    const c = await mysql.createConnection({ uri: mariadbAdminUrl });
    await c.query('SET SESSION long_query_time = 0');
    for (let i = 0; i < 5; i++) await c.query('SELECT 1');
    await c.end();
    now += 60_000;
    const out = await mariadbCheck.run(spec, ctx);
    expect(out.status).toBe('warning');
    expect(out.message).toMatch(/^\d+\.\d\d slow queries per second$/);
    const rate = out.samples?.find((s) => s.name === 'mariadb_slow_queries_per_second')?.value;
    expect(rate).toBeGreaterThanOrEqual(5 / 60);
  });
  it('gives up with "timed out" when the server accepts and never answers', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const ctx = makeCtx({ timeoutMs: 50 });
      const out = mariadbCheck.run(parse({ url: `mysql://root@127.0.0.1:${port}/` }), ctx);
      setImmediate(() => ctx.controller.abort());
      expect(await out).toMatchObject({ status: 'critical', message: 'timed out after 50ms' });
    } finally {
      silent.close();
    }
  });
});
