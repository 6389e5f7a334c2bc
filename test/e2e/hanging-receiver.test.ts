import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startReceiver } from '../notify/receiver.js';
import { apiToken, authed, eventually, startVigil } from './spawn.js';

/**
 * A webhook receiver that accepts the connection and never answers, for as long as the test
 * says (VIGIL_TEST_HANG_MS, default: until five attempts have failed; set it to minutes for a
 * long run): each attempt ends at notifications.timeout and is retried with backoff, the daemon
 * keeps answering /health and running checks, another channel delivers meanwhile, and once the
 * receiver answers the notification is delivered once.
 */
const hangAtLeastMs = Number(process.env.VIGIL_TEST_HANG_MS ?? 0);
const timeoutMs = 500;
const retry = { initial: 300, max: 2400 };

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

/** Accepts, reads the request, and answers only once released; counts what it answered. */
async function hangingReceiver() {
  let hanging = true;
  const held: ServerResponse[] = [];
  const open = new Set<Socket>();
  const answered: unknown[] = [];
  let requests = 0;
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      requests++;
      if (hanging) {
        held.push(res);
        return;
      }
      answered.push(JSON.parse(raw));
      res.end('ok');
    });
  });
  server.on('connection', (s) => {
    open.add(s);
    s.on('close', () => open.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    answered,
    openSockets: () => open.size,
    /** from now on it answers 200; what it held is dropped (the sender gave up on it long ago) */
    release() {
      hanging = false;
      for (const res of held.splice(0)) res.socket?.destroy();
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

interface Attempt {
  /** ISO time the attempt ended */
  at: string;
  durationMs: number;
  result: string;
  error: string | null;
}
interface Notification {
  id: string;
  channel: string;
  status: string;
  attempts: number;
  log?: Attempt[];
}

describe('a webhook receiver that hangs', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-hang-e2e-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'times out each attempt, retries with backoff, keeps the daemon and other channels going, delivers once',
    async () => {
      const hung = await hangingReceiver();
      const other = await startReceiver();
      const config = path.join(dir, 'vigil.yaml');
      writeFileSync(
        config,
        `
storage: sqlite:${path.join(dir, 'vigil.db')}
evaluation_interval: 1s
checks:
  - name: api
    command: { run: "exit 2" }
    every: 1s
alerts:
  - name: ServiceDown
    condition: up{check="api"} == 0
    severity: critical
notify:
  - name: hung
    webhook: { url: "${hung.url}/hook" }
    group_wait: 0s
    group_interval: 1s
    repeat_interval: 24h
  - name: other
    webhook: { url: "${other.url}/hook" }
    group_wait: 0s
    group_interval: 1s
    repeat_interval: 24h
notifications:
  timeout: ${timeoutMs}ms
  retry: { initial: ${retry.initial}ms, max: ${retry.max}ms }
  give_up_after: 1h
incidents: { enabled: false }
`,
      );
      const vigil = startVigil(config, {}, children);
      const url = await vigil.url;
      const get = authed(await apiToken(config));
      const json = async <T>(p: string): Promise<T> => (await get(`${url}${p}`)).json() as Promise<T>;
      const notification = async (channel: string) =>
        (await json<{ notifications: Notification[] }>(`/api/v1/notifications?channel=${channel}`))
          .notifications[0];
      const detail = async (id: string) =>
        json<Notification & { log: Attempt[] }>(`/api/v1/notifications/${id}`);
      const results = async () =>
        (await json<{ results: unknown[] }>('/api/v1/checks/api/results?limit=10000')).results.length;
      let slowestHealthMs = 0;
      const health = async () => {
        const t = performance.now();
        const r = await fetch(`${url}/health`);
        slowestHealthMs = Math.max(slowestHealthMs, performance.now() - t);
        return r.status;
      };

      // The other channel delivers while the hung one is failing.
      await eventually(
        async () => other.accepted.length,
        (n) => n >= 1,
        30_000,
      );
      const first = await eventually(
        () => notification('hung'),
        (n) => n !== undefined,
        10_000,
      );
      expect(first).toBeDefined();
      expect(hung.answered).toHaveLength(0);

      // Five failed attempts (or VIGIL_TEST_HANG_MS, if longer): /health answers and checks run all along.
      const hangStarted = Date.now();
      const resultsBefore = await results();
      let hangingFor = 0;
      await eventually(
        async () => {
          expect(await health()).toBe(200);
          hangingFor = Date.now() - hangStarted;
          return (await detail(first!.id)).log.filter((a) => a.result !== 'ok').length;
        },
        (failed) => failed >= 5 && Date.now() - hangStarted >= hangAtLeastMs,
        60_000 + hangAtLeastMs,
      );
      const during = await detail(first!.id);
      const failed = during.log.filter((a) => a.result !== 'ok');
      const waits: number[] = [];
      expect(failed.length).toBeGreaterThanOrEqual(5);
      expect(during.status).toBe('pending');
      expect(slowestHealthMs).toBeLessThan(2000);
      const resultsDuring = (await results()) - resultsBefore;
      // one run a second, allowing a second or two lost to a loaded machine
      expect(resultsDuring).toBeGreaterThanOrEqual(Math.floor(hangingFor / 1000) - 3);
      // the daemon does not pile up connections to the hung receiver: one attempt in flight at most
      expect(hung.openSockets()).toBeLessThanOrEqual(1);
      for (const a of failed) {
        // each attempt ends at the timeout, not at a socket limit or after minutes
        expect(a.durationMs).toBeGreaterThanOrEqual(timeoutMs - 50);
        expect(a.durationMs).toBeLessThan(timeoutMs + 1500);
        expect(a.error ?? '').toMatch(new RegExp(`no answer within ${timeoutMs} ms`));
      }
      for (let i = 1; i < failed.length; i++) {
        // an attempt's `at` is when it ended: the wait before attempt i+1 is at least half of
        // initial·2^(i-1) (capped), as the backoff promises
        const ended = Date.parse(String(failed[i - 1]!.at));
        const began = Date.parse(String(failed[i]!.at)) - failed[i]!.durationMs;
        const floor = 0.5 * Math.min(retry.initial * 2 ** (i - 1), retry.max);
        expect(began - ended, `wait before attempt ${i + 1}`).toBeGreaterThanOrEqual(floor - 100);
        waits.push(Math.round(began - ended));
      }
      // and it grows: the last wait is longer than the first
      expect(waits.at(-1)!).toBeGreaterThan(waits[0]!);
      expect(hung.requests()).toBeGreaterThanOrEqual(5);

      // The receiver answers again: delivered, once.
      hung.release();
      const delivered = await eventually(
        () => detail(first!.id),
        (n) => n.status === 'delivered',
        30_000,
      );
      expect(delivered.status).toBe('delivered');
      expect(delivered.log.filter((a) => a.result === 'ok')).toHaveLength(1);
      // and not again: a few more check runs later, still one
      const seen = await results();
      await eventually(results, (n) => n >= seen + 3, 30_000);
      expect(hung.answered).toHaveLength(1);
      expect(other.accepted).toHaveLength(1);
      expect((await detail(first!.id)).log.filter((a) => a.result === 'ok')).toHaveLength(1);

      vigil.child.kill('SIGTERM');
      expect(await vigil.exit).toBe(0);
      await hung.close();
      await other.close();
    },
    180_000 + hangAtLeastMs,
  );
});
