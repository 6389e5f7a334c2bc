import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { duration } from '../config/types.js';
import { describe } from '../errors.js';
import type { CheckKind, Sample } from './types.js';
import { age, type Finding, verdict } from './verdict.js';

const schema = z.strictObject({
  socket: z.string().min(1).default('/var/run/docker.sock'),
  /** `docker ps --filter name=…`: each a regular expression a container name must contain */
  names: z.array(z.string().min(1)).min(1).optional(),
  /** `docker ps --filter label=…`: "key" or "key=value", all must hold */
  labels: z.array(z.string().min(1)).min(1).optional(),
  /** a running container that restarted within this window is reported */
  restart_window: duration().prefault('1h'),
});

export type DockerSpec = z.output<typeof schema>;

/** Every state the Engine API reports, so a state's count drops to 0 rather than going stale. */
const states = ['created', 'running', 'paused', 'restarting', 'removing', 'exited', 'dead'] as const;

/**
 * The Docker Engine API over its unix socket, with node:http and no client
 * library: the check needs four GETs. Paths carry the daemon's own API
 * version from /_ping, so the check speaks what the daemon speaks.
 */
export const dockerCheck: CheckKind<DockerSpec> = {
  schema,
  series: [
    'docker_container_exit_code',
    'docker_container_healthy',
    'docker_container_restarts',
    'docker_container_running',
    'docker_containers',
  ],
  target: (spec) => `unix://${spec.socket}`,
  async run(spec, ctx) {
    const started = performance.now();
    const get = (path: string) => request(spec.socket, path, ctx.signal);
    try {
      const ping = await get('/_ping');
      const version = ping.headers['api-version'];
      const prefix = typeof version === 'string' && /^\d+\.\d+$/.test(version) ? `/v${version}` : '';
      const filters: Record<string, string[]> = {};
      if (spec.names) filters.name = spec.names;
      if (spec.labels) filters.label = spec.labels;
      const query = new URLSearchParams({ all: '1' });
      if (Object.keys(filters).length) query.set('filters', JSON.stringify(filters));
      const list = expectOk(await get(`${prefix}/containers/json?${query}`)) as ListedContainer[];
      const inspected = await mapLimit(list, 8, async (c) => {
        const res = await get(`${prefix}/containers/${encodeURIComponent(c.Id)}/json`);
        // Removed between the list and the inspect: nothing to report about it.
        return res.status === 404 ? undefined : (expectOk(res) as InspectedContainer);
      });
      return {
        ...judge(spec, list, inspected, ctx.now()),
        durationMs: performance.now() - started,
      };
    } catch (e) {
      const message = ctx.signal.aborted ? `timed out after ${ctx.timeoutMs}ms` : explain(e, spec.socket);
      return { status: 'critical', message, durationMs: performance.now() - started };
    }
  },
};

interface ListedContainer {
  Id: string;
  Names: string[];
  Image: string;
  State: string;
  Status: string;
}

interface InspectedContainer {
  Name: string;
  RestartCount: number;
  State: {
    Status: string;
    Running: boolean;
    OOMKilled: boolean;
    ExitCode: number;
    StartedAt: string;
    FinishedAt: string;
    Health?: { Status: string; FailingStreak: number; Log?: { ExitCode: number; Output: string }[] };
  };
}

function judge(
  spec: DockerSpec,
  list: ListedContainer[],
  inspected: (InspectedContainer | undefined)[],
  now: number,
) {
  const findings: Finding[] = [];
  const samples: Sample[] = [];
  const counts = new Map<string, number>(states.map((s) => [s, 0]));
  list.forEach((c, i) => {
    counts.set(c.State, (counts.get(c.State) ?? 0) + 1);
    const info = inspected[i];
    const name = (c.Names[0] ?? c.Id.slice(0, 12)).replace(/^\//, '');
    const labels = { container: name };
    samples.push({ name: 'docker_container_running', labels, value: c.State === 'running' ? 1 : 0 });
    if (!info) return;
    const st = info.State;
    const finished = Date.parse(st.FinishedAt);
    const startedAt = Date.parse(st.StartedAt);
    samples.push({ name: 'docker_container_restarts', labels, value: info.RestartCount });
    if (st.Health)
      samples.push({
        name: 'docker_container_healthy',
        labels,
        value: st.Health.Status === 'healthy' ? 1 : 0,
      });
    // `docker ps` words it the same way: name, then its STATUS column.
    const line = `${name} ${c.Status}`;
    if (c.State === 'exited') {
      samples.push({ name: 'docker_container_exit_code', labels, value: st.ExitCode });
      if (st.ExitCode !== 0)
        findings.push({
          status: 'critical',
          text: `${line}${st.OOMKilled ? ', OOM killed' : ''}`,
          rank: finished,
        });
    } else if (c.State === 'restarting' || c.State === 'dead') {
      findings.push({ status: 'critical', text: `${line}, restarted ${info.RestartCount} times`, rank: now });
    } else if (c.State === 'paused') {
      findings.push({ status: 'warning', text: line, rank: 0 });
    } else if (c.State === 'running') {
      if (st.Health?.Status === 'unhealthy') {
        const last = st.Health.Log?.at(-1)?.Output.replace(/\s+/g, ' ').slice(0, 80).trim();
        findings.push({ status: 'critical', text: `${line}${last ? `: ${last}` : ''}`, rank: now });
      } else if (info.RestartCount > 0 && now - startedAt <= spec.restart_window) {
        findings.push({
          status: 'warning',
          text: `${name} restarted ${info.RestartCount} times, last ${age(now - startedAt)} ago`,
          rank: startedAt,
        });
      }
    }
  });
  for (const [state, n] of counts) samples.push({ name: 'docker_containers', labels: { state }, value: n });
  const running = counts.get('running') ?? 0;
  return {
    ...verdict(findings, `${running} of ${list.length} containers running, none in trouble`),
    samples,
  };
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(socketPath: string, path: string, signal: AbortSignal): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { socketPath, path, method: 'GET', signal, headers: { host: 'docker' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.once('error', reject);
        res.once('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.once('error', reject);
    req.end();
  });
}

function expectOk(res: Reply): unknown {
  if (res.status !== 200) {
    let detail = res.body.trim();
    try {
      detail = (JSON.parse(res.body) as { message?: string }).message ?? detail;
    } catch {}
    throw new Error(`Docker Engine API answered ${res.status}: ${detail}`);
  }
  return JSON.parse(res.body);
}

/** The socket errors people meet, each with what to do about it. */
function explain(e: unknown, socket: string): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `no Docker socket at ${socket}: is Docker installed and running here?`;
  if (code === 'EACCES' || code === 'EPERM')
    return `permission denied on ${socket}: run Vigil as a user in the docker group`;
  if (code === 'ECONNREFUSED') return `nothing answers on ${socket}: is the Docker daemon running?`;
  return `${socket}: ${describe(e)}`;
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
