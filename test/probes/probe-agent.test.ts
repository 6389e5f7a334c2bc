import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../src/auth/tokens.js';
import { type LoadedConfig, parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { ProbeAgent } from '../../src/services/probe-agent.js';
import { ProbeService } from '../../src/services/probes.js';
import { WriteBuffer } from '../../src/services/write-buffer.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testApp } from '../server/test-app.js';

const config = (checks: string) => parseConfig(`checks:\n${checks}`, 'vigil.yaml', {});
const one = `  - { name: refused, tcp: { host: 127.0.0.1, port: 1 }, every: 10s, locations: [eu, us] }\n`;
const two = `${one}  - { name: also-refused, tcp: { host: 127.0.0.1, port: 2 }, every: 10s, locations: [eu] }\n`;

/** The agent in-process, on a fake clock, talking to the real API through inject(). */
describe('vigil probe, in-process', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-probe-agent-'));
  const clock = new FakeClock(Date.parse('2026-12-05T12:00:00Z'));
  let store: Store;
  let loaded: LoadedConfig = config(one);
  let app: ReturnType<typeof testApp>;
  let agent: ProbeAgent;
  let requests: string[] = [];

  beforeAll(async () => {
    store = await openStore('sqlite::memory:');
    const buffer = new WriteBuffer({ clock, write: (b, s) => store.record(b, s), onError: () => {} });
    const probes = new ProbeService({
      clock,
      probes: store.probes,
      checks: () => loaded.config.checks,
      recordSamples: (s) => buffer.addSamples(s),
    });
    app = testApp({ store, clock, config: () => loaded, probes, login: true });
    const { token } = await createToken(
      store,
      { name: 'eu-probe', owner: 't', role: 'probe', expiresAt: null, location: 'eu' },
      clock.now(),
    );
    const quiet = { info: () => {}, warn: () => {}, error: () => {} };
    agent = new ProbeAgent({
      server: 'http://vigil.test/',
      token,
      location: 'eu',
      stateDir: dir,
      clock,
      version: '9.9.9',
      hostname: 'eu-host',
      log: quiet,
      pollMs: 30_000,
      pushMs: 5000,
      fetch: (async (url: string, init: RequestInit = {}) => {
        const u = new URL(url);
        requests.push(`${init.method ?? 'GET'} ${u.pathname}`);
        const res = await app.inject({
          method: (init.method ?? 'GET') as 'GET',
          url: u.pathname + u.search,
          headers: init.headers as Record<string, string>,
          ...(init.body ? { payload: init.body as string } : {}),
        });
        return new Response(res.statusCode === 304 ? null : res.body, {
          status: res.statusCode,
          headers: res.headers as Record<string, string>,
        });
      }) as typeof fetch,
    });
  });
  afterAll(async () => {
    await agent.stop(0);
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const run = async (ms: number) => {
    for (let t = 0; t < ms; t += 1000) {
      await clock.advance(1000);
      await agent.runner.idle();
    }
  };

  it("fetches its location's checks, runs them and pushes their results", async () => {
    await agent.start();
    expect(agent.monitor.checks.map((c) => c.name)).toEqual(['refused']);
    await run(25_000);
    const rows = await store.probes.history('refused', 'eu', 0, clock.now());
    expect(rows.length).toBeGreaterThanOrEqual(2);
    expect(rows.every((r) => r.status === 'critical')).toBe(true);
    expect(agent.buffer.size).toBe(0);
    const [a] = await store.probes.agents();
    expect(a).toMatchObject({ location: 'eu', version: '9.9.9', hostname: 'eu-host', buffered: 0 });
  });

  it('asks again with its ETag (a 304 while nothing changed), and swaps in changed checks', async () => {
    requests = [];
    await run(30_000);
    expect(requests.filter((r) => r.startsWith('GET'))).toHaveLength(1);
    expect(agent.monitor.checks.map((c) => c.name)).toEqual(['refused']);
    loaded = config(two);
    await run(30_000);
    expect(agent.monitor.checks.map((c) => c.name)).toEqual(['refused', 'also-refused']);
    await run(20_000);
    expect((await store.probes.history('also-refused', 'eu', 0, clock.now())).length).toBeGreaterThan(0);
  });
});
