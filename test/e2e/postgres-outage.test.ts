import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../store/databases.js';
import { startVigil } from './spawn.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)); // the real clock is the point here
const postgres = testDatabases.find((d) => d.name === 'postgres');
const outageMs = 30_000; // as long as the hardening issue asks: past the cluster leases (8 s) and several retries

/** A TCP proxy in front of PostgreSQL that the test can take away (every connection cut) and bring back. */
async function proxy(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  const up = async () => {
    server = net.createServer((client) => {
      const upstream = net.connect(target);
      sockets.add(client).add(upstream);
      const close = () => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', close).on('close', close).pipe(upstream);
      upstream.on('error', close).on('close', close).pipe(client);
    });
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
    port = (server!.address() as net.AddressInfo).port;
  };
  await up();
  return {
    get port() {
      return port;
    },
    up,
    async down() {
      await new Promise((r) => {
        server?.close(r);
        for (const s of sockets) s.destroy();
      });
    },
  };
}

describe.skipIf(!postgres)('vigil up on PostgreSQL through an outage of the store', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-pg-outage-'));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps running, says so on /health, and writes what it buffered once the store is back', {
    timeout: 120_000,
  }, async () => {
    const db = await postgres!.create();
    const target = new URL(db.url);
    const p = await proxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(db.url);
    viaProxy.port = String(p.port);
    const config = path.join(dir, 'vigil.yaml');
    writeFileSync(
      config,
      `storage: ${viaProxy}
checks:
  - name: tick
    command: { run: ["true"] }
    every: 1s
`,
    );
    const vigil = startVigil(config, { VIGIL_ADMIN_PASSWORD: 'a-long-enough-password' }, children);
    const url = await vigil.url;
    const child = vigil.child;
    try {
      await sleep(3000);
      await p.down();
      const downFrom = Date.now();
      await sleep(outageMs);
      const health = await fetch(`${url}/health`);
      expect(child.exitCode).toBe(null);
      expect(health.status).toBe(503);
      const downTo = Date.now();
      await p.up();
      // recovery without a restart: results taken during the outage arrive once the store is back
      const client = new pg.Client({ connectionString: db.url });
      await client.connect();
      let during = 0;
      for (let i = 0; i < 30 && during < outageMs / 1000 - 3; i++) {
        await sleep(500);
        const r = await client.query(
          "select count(*)::int as n from check_results where check_name = 'tick' and started_at between $1 and $2",
          [downFrom, downTo],
        );
        during = r.rows[0].n;
      }
      await client.end();
      expect(during).toBeGreaterThanOrEqual(outageMs / 1000 - 3);
      expect((await fetch(`${url}/health`)).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await vigil.exit;
      await p.down();
      await db.drop();
    }
  });
});
