import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerCheck } from '../../src/checks/docker.js';
import { makeCtx } from './ctx.js';
import { fakeDocker } from './fake-docker.js';

/** the instant the fixtures describe */
const now = Date.parse('2026-11-27T10:00:00Z');
const ctx = () => makeCtx({ now: () => now });

let engine: Awaited<ReturnType<typeof fakeDocker>>;
beforeAll(async () => {
  engine = await fakeDocker();
});
afterAll(() => engine.close());

describe('docker check, against the Engine API on a unix socket', () => {
  it('names exited, unhealthy, restarting and restarted containers, worst first, as docker ps shows them', async () => {
    const out = await dockerCheck.run(dockerCheck.schema.parse({ socket: engine.socket }), ctx());
    expect(out.status).toBe('critical');
    expect(out.message).toBe(
      [
        "shop-api-1 Up 5 hours (unhealthy): curl: (7) Failed to connect to localhost port 3000 after 0 ms: Couldn't connect",
        'shop-cron-1 Restarting (1) 8 seconds ago, restarted 9 times',
        'shop-worker-1 Exited (137) 12 minutes ago, OOM killed',
        'shop-cache-1 restarted 4 times, last 3m ago',
      ].join('; '),
    );
    // the daemon's own API version, from /_ping, on every later path
    expect(engine.requests[0]).toBe('/_ping');
    expect(engine.requests[1]).toBe('/v1.43/containers/json?all=1');
    expect(out.samples).toContainEqual({ name: 'docker_containers', labels: { state: 'running' }, value: 3 });
    expect(out.samples).toContainEqual({ name: 'docker_containers', labels: { state: 'exited' }, value: 2 });
    expect(out.samples).toContainEqual({ name: 'docker_containers', labels: { state: 'dead' }, value: 0 });
    expect(out.samples).toContainEqual({
      name: 'docker_container_exit_code',
      labels: { container: 'shop-worker-1' },
      value: 137,
    });
    expect(out.samples).toContainEqual({
      name: 'docker_container_healthy',
      labels: { container: 'shop-api-1' },
      value: 0,
    });
    expect(out.samples).toContainEqual({
      name: 'docker_container_restarts',
      labels: { container: 'shop-cache-1' },
      value: 4,
    });
  });

  it('passes name and label filters to the daemon, and is ok when what they select is fine', async () => {
    engine.requests.length = 0;
    const spec = dockerCheck.schema.parse({
      socket: engine.socket,
      names: ['web', 'migrate'],
      labels: ['tier'],
    });
    const out = await dockerCheck.run(spec, ctx());
    expect(out).toMatchObject({ status: 'ok', message: '1 of 2 containers running, none in trouble' });
    const listed = new URL(engine.requests[1]!, 'http://docker');
    expect(JSON.parse(listed.searchParams.get('filters')!)).toEqual({
      name: ['web', 'migrate'],
      label: ['tier'],
    });
  });

  it('warns, not pages, for a restart older than the window', async () => {
    const spec = dockerCheck.schema.parse({ socket: engine.socket, names: ['cache'], restart_window: '1m' });
    expect(await dockerCheck.run(spec, ctx())).toMatchObject({ status: 'ok' });
  });

  it('says what is wrong with the socket: missing, or nothing answering', async () => {
    const missing = await dockerCheck.run(
      dockerCheck.schema.parse({ socket: '/nonexistent/docker.sock' }),
      ctx(),
    );
    expect(missing).toMatchObject({
      status: 'critical',
      message: 'no Docker socket at /nonexistent/docker.sock: is Docker installed and running here?',
    });
    const notSocket = path.join(path.dirname(engine.socket), 'plain-file');
    writeFileSync(notSocket, '');
    const dead = await dockerCheck.run(dockerCheck.schema.parse({ socket: notSocket }), ctx());
    expect(dead).toMatchObject({
      status: 'critical',
      message: `nothing answers on ${notSocket}: is the Docker daemon running?`,
    });
  });
});
