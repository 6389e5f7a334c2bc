import { type ChildProcess, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiToken, authed, eventually } from '../e2e/spawn.js';
import { startReceiver } from '../notify/receiver.js';
import { probeToken, type RunningProbe, startProbe, startServerOn } from './spawn-probe.js';

/**
 * Three agents as real processes, each in a network namespace of its own
 * (a veth pair, addresses of its own, routes to the Vigil server and to the
 * target only, so nothing outside this machine is reachable), one target.
 * Cutting one namespace's route to the target makes that location down and
 * the check degraded, and pages no one; cutting a second loses the quorum:
 * the alert fires and the incident names the locations.
 */
const id = process.pid % 100_000;
const net2 = 200 + (process.pid % 50);
const targetIp = `10.${net2}.100.1`;
const locations = ['a', 'b', 'c'] as const;
const ns = (l: string) => `vigil-${id}-${l}`;

const sh = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' }).toString();

/** Whether network namespaces can be made here: root, iproute2, and a kernel that allows it. */
function netnsAvailable(): string | undefined {
  try {
    sh('netns', 'add', `vigil-${id}-probe`);
    sh('netns', 'del', `vigil-${id}-probe`);
    return undefined;
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}

const unavailable = netnsAvailable();
if (unavailable && process.env.CI === 'true') {
  throw new Error(`network namespaces are required under CI=true but cannot be made: ${unavailable}`);
}
if (unavailable)
  console.warn(`skipping the network namespace test: cannot make a namespace (${unavailable})`);

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe.skipIf(unavailable !== undefined)('probes in three network namespaces', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-netns-'));
  const children: ChildProcess[] = [];
  const target = http.createServer((_req, res) => res.end('ok'));
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let get: (url: string) => Promise<Response>;
  let base: string;
  const probes: RunningProbe[] = [];

  beforeAll(async () => {
    // the target's own address, on this machine's loopback: reached from the namespaces through their pairs
    sh('addr', 'add', `${targetIp}/32`, 'dev', 'lo');
    locations.forEach((l, i) => {
      const host = `vp${id}${l}0`;
      const inner = `vp${id}${l}1`;
      sh('netns', 'add', ns(l));
      sh('link', 'add', host, 'type', 'veth', 'peer', 'name', inner);
      sh('link', 'set', inner, 'netns', ns(l));
      sh('addr', 'add', `10.${net2}.${i + 1}.1/30`, 'dev', host);
      sh('link', 'set', host, 'up');
      sh('-n', ns(l), 'link', 'set', 'lo', 'up');
      sh('-n', ns(l), 'addr', 'add', `10.${net2}.${i + 1}.2/30`, 'dev', inner);
      sh('-n', ns(l), 'link', 'set', inner, 'up');
      // the target only; the server is on the other end of the pair
      sh('-n', ns(l), 'route', 'add', `${targetIp}/32`, 'via', `10.${net2}.${i + 1}.1`);
    });
    await new Promise<void>((r) => target.listen(0, targetIp, r));
    receiver = await startReceiver();
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : 0)));
    await new Promise((r) => target.close(r));
    await receiver?.close();
    // a namespace takes its end of the pair with it, and the pair goes with that end
    for (const l of locations) {
      try {
        sh('netns', 'del', ns(l));
      } catch {}
    }
    try {
      sh('addr', 'del', `${targetIp}/32`, 'dev', 'lo');
    } catch {}
    rmSync(dir, { recursive: true, force: true });
  });

  it('degrades on one lost location, pages on the quorum, and names the locations', {
    timeout: 120_000,
  }, async () => {
    const port = (target.address() as net.AddressInfo).port;
    const config = path.join(dir, 'vigil.yaml');
    writeFileSync(
      config,
      `storage: sqlite:${path.join(dir, 'vigil.db')}
evaluation_interval: 1s
checks:
  - name: api
    http: { url: "http://${targetIp}:${port}/" }
    every: 1s
    timeout: 800ms
    locations: [a, b, c]
    quorum: majority
alerts:
  # the guide's own rule: up{check} is the verdict, so it pages only when the quorum agrees
  - name: ServiceDown
    condition: up == 0
    severity: critical
  # one alert per failing location, while the quorum agrees: the incident names them
  - name: ServiceDownFrom
    condition: location_up == 0 and on(check) up == 0
    severity: critical
    summary: "{{ $labels.check }} is down from {{ $labels.location }}"
notify:
  - name: pager
    webhook: { url: "${receiver.url}/hook" }
    group_wait: 0s
    group_interval: 1s
incidents: { group_by: [check] }
`,
    );
    // one after another: the first creates the store, and two processes must not migrate it at once
    const tokens: Record<string, string> = {};
    for (const l of locations) tokens[l] = await probeToken(config, l);
    get = authed(await apiToken(config));
    const serverPort = await freePort();
    const vigil = startServerOn(config, serverPort, children, '0.0.0.0');
    await vigil.up;
    base = `http://127.0.0.1:${serverPort}`;
    locations.forEach((l, i) => {
      probes.push(
        startProbe(
          {
            server: `http://10.${net2}.${i + 1}.1:${serverPort}`,
            token: tokens[l]!,
            location: l,
            stateDir: path.join(dir, `probe-${l}`),
            netns: ns(l),
          },
          children,
        ),
      );
    });
    await Promise.all(probes.map((p) => p.up));

    const view = async () => (await (await get(`${base}/api/v1/checks/api/locations`)).json()) as any;
    const all = await eventually(view, (v) => v.state === 'up' && v.missing.length === 0, 20_000);
    expect(all.locations.map((l: any) => `${l.location}:${l.state}`)).toEqual(['a:up', 'b:up', 'c:up']);

    // One location loses its route to the target: down there, degraded overall, nobody paged.
    const cutOne = Date.now();
    sh('-n', ns('a'), 'route', 'replace', 'unreachable', `${targetIp}/32`);
    const one = await eventually(view, (v) => v.state === 'degraded', 15_000);
    expect(one).toMatchObject({ state: 'degraded', failing: ['a'], status: 'warning' });
    expect(one.message).toBe('degraded: failing in a (1 of 3, quorum 2)');
    const degradedAfter = Date.now() - cutOne;
    await new Promise((r) => setTimeout(r, 4000)); // rules run every second: give them time to (not) fire
    const checks = (await (await get(`${base}/api/v1/checks`)).json()) as any;
    expect(checks.checks[0]).toMatchObject({ name: 'api', status: 'warning' });
    expect(receiver.received).toEqual([]);
    expect(((await (await get(`${base}/api/v1/incidents`)).json()) as any).incidents).toEqual([]);

    // A second one: the quorum agrees, the alert fires, the incident names both locations.
    const cutTwo = Date.now();
    sh('-n', ns('b'), 'route', 'replace', 'unreachable', `${targetIp}/32`);
    await eventually(view, (v) => v.state === 'down', 15_000);
    await receiver.until(1);
    console.log(
      `one location cut: degraded after ${degradedAfter} ms; two: paged after ${Date.now() - cutTwo} ms (checks every 1s, rules every 1s)`,
    );
    const sent = JSON.stringify(receiver.received.map((r) => r.body));
    expect(sent).toContain('ServiceDown');
    const incidents = await eventually(
      async () => ((await (await get(`${base}/api/v1/incidents`)).json()) as any).incidents,
      (list: any[]) => list.length > 0,
      10_000,
    );
    expect(incidents).toHaveLength(1);
    const incident = await eventually(
      async () => (await (await get(`${base}/api/v1/incidents/${incidents[0].id}`)).json()) as any,
      (i) => /location=a/.test(JSON.stringify(i)) && /location=b/.test(JSON.stringify(i)),
      10_000,
    );
    const text = JSON.stringify(incident);
    expect(text).toContain('location=a');
    expect(text).toContain('location=b');
    expect(text).not.toContain('location=c');

    for (const p of probes) p.child.kill('SIGTERM');
    expect(await Promise.all(probes.map((p) => p.exit))).toEqual([0, 0, 0]);
    vigil.child.kill('SIGTERM');
    expect(await vigil.exit).toBe(0);
  });
});
