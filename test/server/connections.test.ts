import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type Daemon, startDaemon } from '../../src/daemon.js';
import { openStore } from '../../src/store/store.js';

/**
 * Half-open connections from outside, without a login, used to take every file
 * descriptor: checks then failed with EMFILE. With a cap, the connections past
 * it are closed at once; with a headers timeout, the rest go soon after.
 */
describe('a flood of half-open connections', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-conn-'));
  let daemon: Daemon | undefined;
  const sockets: net.Socket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await daemon?.stop(2000);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is capped, times out, and checks keep running meanwhile', async () => {
    const storeFile = path.join(dir, 'vigil.db');
    writeFileSync(
      path.join(dir, 'vigil.yaml'),
      `storage: sqlite:${storeFile}
server: { max_connections: 20, headers_timeout: 1s, request_timeout: 2s }
checks:
  - name: probe
    command: { run: "true" }
    every: 1s
`,
    );
    daemon = await startDaemon({
      configPath: path.join(dir, 'vigil.yaml'),
      logger: pino({ level: 'silent' }),
      listen: '127.0.0.1:0',
      env: {},
    });
    const port = Number(new URL(daemon.url).port);
    const flood = 300;
    let closed = 0;
    await Promise.all(
      Array.from(
        { length: flood },
        () =>
          new Promise<void>((resolve) => {
            const s = net.connect(port, '127.0.0.1', () => resolve());
            s.on('error', () => resolve());
            s.on('close', () => {
              closed++;
            });
            sockets.push(s);
          }),
      ),
    );
    const floodedAt = Date.now();
    // Past the cap, connections are closed at once, not held.
    const capped = await until(() => closed >= flood - 20, 1500);
    expect(capped, `${closed} of ${flood} closed within 1.5 s`).toBe(true);
    const open = await new Promise<number>((r) => daemon!.app.server.getConnections((_e, n) => r(n)));
    expect(open).toBeLessThanOrEqual(20);

    // The rest never sent a header: the headers timeout ends them too.
    expect(await until(() => closed === flood, 6000), `${closed} of ${flood} closed`).toBe(true);
    expect((await fetch(`${daemon.url}/health`)).status).toBe(200);

    // And the check ran during the flood, as it should.
    const store = await openStore(`sqlite:${storeFile}`);
    try {
      const ran = await until(async () => {
        const results = await store.results.list('probe', floodedAt - 1000, Date.now() + 1000, 100);
        return results.some((r) => r.status === 'ok' && r.startedAt >= floodedAt - 1000);
      }, 5000);
      expect(ran).toBe(true);
    } finally {
      await store.close();
    }
  }, 30_000);
});

async function until(ok: () => boolean | Promise<boolean>, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (await ok()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}
