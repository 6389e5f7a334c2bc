import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { probeToken, startProbe, startServerOn } from './spawn-probe.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms)); // real processes on the real clock

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * Must-have 1 and its test: an agent keeps probing while the server is away,
 * keeps the results on disk, is killed and restarted, and then its results
 * arrive once, in order, with the times they were made; the gap is not down.
 */
describe('a probe agent killed while the server is away', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-probe-restart-'));
  const children: ChildProcess[] = [];
  const target = http.createServer((_req, res) => res.end('ok'));
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await new Promise((r) => target.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers its buffered results once, in order, with their times', { timeout: 90_000 }, async () => {
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    const targetPort = (target.address() as net.AddressInfo).port;
    const db = path.join(dir, 'vigil.db');
    const config = path.join(dir, 'vigil.yaml');
    const port = await freePort();
    writeFileSync(
      config,
      `storage: sqlite:${db}
checks:
  - name: api
    http: { url: "http://127.0.0.1:${targetPort}/" }
    every: 1s
    locations: [local, p1]
    quorum: all
`,
    );
    const server = `http://127.0.0.1:${port}`;
    let vigil = startServerOn(config, port, children);
    await vigil.up;
    const token = await probeToken(config, 'p1');
    const stateDir = path.join(dir, 'probe-p1');
    let probe = startProbe({ server, token, location: 'p1', stateDir }, children);
    await probe.up;
    await sleep(3000);

    // The server goes away; the agent probes on into its disk buffer.
    vigil.child.kill('SIGTERM');
    await vigil.exit;
    const awayFrom = Date.now();
    await sleep(4000);
    probe.child.kill('SIGKILL');
    await probe.exit;
    const killedAt = Date.now();
    // The server comes back while the agent is dead, then the agent restarts.
    vigil = startServerOn(config, port, children);
    await vigil.up;
    await sleep(2000);
    probe = startProbe({ server, token, location: 'p1', stateDir }, children);
    await probe.up;
    await sleep(3000);
    probe.child.kill('SIGTERM');
    expect(await probe.exit).toBe(0);
    vigil.child.kill('SIGTERM');
    await vigil.exit;

    const store = new Database(db, { readonly: true });
    const rows = store
      .prepare(
        "select started_at as t, status from location_results where check_name = 'api' and location = 'p1' order by rowid",
      )
      .all() as { t: number; status: string }[];
    const times = rows.map((r) => Number(r.t));
    // once: no time twice; in order: stored in the order they were made
    expect(new Set(times).size).toBe(times.length);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    // with their original times: about one a second while the server was away, none while the agent was dead
    const whileAway = times.filter((t) => t >= awayFrom + 500 && t <= killedAt - 500);
    expect(whileAway.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < whileAway.length; i++) expect(whileAway[i]! - whileAway[i - 1]!).toBeLessThan(1600);
    expect(rows.every((r) => r.status === 'ok')).toBe(true);
    // the gap is no outage: no verdict and no location result was down
    const verdicts = store.prepare("select status from check_results where check_name = 'api'").all() as {
      status: string;
    }[];
    expect(verdicts.length).toBeGreaterThan(4);
    expect(verdicts.filter((v) => v.status === 'critical')).toEqual([]);
    const agent = store.prepare('select last_seq, buffered from probe_agents').get() as {
      last_seq: number;
      buffered: number;
    };
    expect(Number(agent.last_seq)).toBe(rows.length);
    store.close();
  });
});
