import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { testDatabases } from '../store/databases.js';
import { eventually, type RunningVigil, startVigil } from './spawn.js';

/**
 * A node frozen with SIGSTOP past its lease TTL (a stalled VM, a debugger, a
 * swap storm) while it evaluates the rules and sends: the other node takes
 * over, and when the frozen one wakes it writes and sends nothing on the
 * leases it held before, only on new ones once it has renewed.
 */
const postgres = testDatabases.find((d) => d.name === 'postgres');

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The pino lines of a node's output with this message. */
function logged(node: RunningVigil, msg: string): Array<{ time: number }> {
  return node
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{') && l.includes(msg))
    .map((l) => JSON.parse(l) as { time: number });
}

describe.skipIf(!postgres)('a node frozen past its lease', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-freeze-'));
  let database: { url: string; drop(): Promise<void> } | undefined;
  const servers: Server[] = [];
  afterAll(async () => {
    for (const s of servers) {
      s.closeAllConnections();
      s.close();
    }
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('SIGSTOP past the TTL, then SIGCONT: the other node took over, and the woken one sends nothing on its stale leases', async () => {
    database = await postgres!.create();
    let up = true;
    const target = createServer((req, res) => {
      res.writeHead(req.url === '/flap' && !up ? 503 : 200).end('ok');
    });
    servers.push(target);
    const targetPort = await listen(target);
    const received = new Map<string, number>();
    const receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const key = String(req.headers['idempotency-key']);
        received.set(key, (received.get(key) ?? 0) + 1);
        res.writeHead(200).end('ok');
      });
    });
    servers.push(receiver);
    const receiverPort = await listen(receiver);
    const config = path.join(dir, 'vigil.yaml');
    writeFileSync(
      config,
      `
storage: ${database.url}
cluster: { lease_ttl: 3s, shards: 4 }
evaluation_interval: 1s
checks:
  - name: flap
    http: { url: "http://127.0.0.1:${targetPort}/flap" }
    every: 1s
  - name: steady
    http: { url: "http://127.0.0.1:${targetPort}/ok" }
    every: 1s
alerts:
  - name: FlapDown
    condition: up{check="flap"} == 0
    severity: warning
notify:
  - name: hook
    webhook: { url: "http://127.0.0.1:${receiverPort}/hook" }
    group_by: [alertname]
    group_wait: 0s
    group_interval: 1s
    repeat_interval: 24h
notifications:
  timeout: 2s
  retry: { initial: 100ms, max: 1s }
`,
    );
    const env = { VIGIL_ADMIN_PASSWORD: 'cluster-test-password' };
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const a = startVigil(config, env, children);
    await a.url;
    const idOf = async (node: RunningVigil) =>
      (await db.query('select id from cluster_nodes where pid = $1', [node.child.pid])).rows[0]?.id as string;
    const aId = await idOf(a);
    const leader = async () =>
      (
        await db.query("select holder from cluster_leases where name = 'alerting' and expires_at > $1", [
          Date.now(),
        ])
      ).rows[0]?.holder as string | undefined;
    expect(await leader()).toBe(aId);
    const b = startVigil(config, env, children);
    await b.url;
    const bId = await idOf(b);
    try {
      const flip = setInterval(() => {
        up = !up;
      }, 2000);
      await wait(6000);
      const frozenAt = Date.now();
      a.child.kill('SIGSTOP');
      // b takes the alerting lease once a's expires: within the TTL and a renewal.
      expect(await eventually(leader, (h) => h === bId, 8000)).toBe(bId);
      await wait(6000);
      const wokeAt = Date.now();
      a.child.kill('SIGCONT');
      await wait(6000);
      clearInterval(flip);
      up = true;
      await eventually(
        async () =>
          (await db.query("select count(*)::int as n from notifications where status = 'pending'")).rows[0].n,
        (n) => n === 0,
        30_000,
      );

      // a noticed on waking that its leases had run out, then renewed.
      expect(logged(a, 'this node stopped its work').length).toBeGreaterThanOrEqual(1);
      const renewed = logged(a, 'cluster membership renewed');
      expect(renewed.length).toBeGreaterThanOrEqual(1);
      const renewedAt = renewed[0]!.time;
      expect(renewedAt).toBeGreaterThanOrEqual(wokeAt - 100);
      // It wrote no notification after it froze: b held the alerting lease from then on.
      const { rows: written } = await db.query(
        'select count(*)::int as n from notifications where created_by = $1 and created_at >= $2',
        [aId, frozenAt],
      );
      expect(written[0].n).toBe(0);
      const { rows: byB } = await db.query(
        'select count(*)::int as n from notifications where created_by = $1',
        [bId],
      );
      expect(byB[0].n).toBeGreaterThan(0);
      // No attempt of a's started between its waking and its renewal.
      const { rows: stale } = await db.query(
        'select at, duration_ms from notification_attempts where node = $1 and at - duration_ms >= $2 and at - duration_ms < $3',
        [aId, wokeAt - 50, renewedAt],
      );
      expect(stale).toEqual([]);
      // Nothing lost.
      const { rows: outbox } = await db.query('select idempotency_key, status from notifications');
      expect(outbox.filter((r) => r.status !== 'delivered' || !received.has(r.idempotency_key))).toEqual([]);
    } finally {
      await db.end();
      a.child.kill('SIGCONT');
      for (const n of [a, b]) n.child.kill('SIGTERM');
      await Promise.all([a.exit, b.exit]);
    }
  }, 120_000);
});
