import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { systemClock } from '../core/clock.js';
import { VigilError } from '../errors.js';
import { ProbeAgent } from '../services/probe-agent.js';
import { ProbeService } from '../services/probes.js';
import { loadSetup } from '../services/setup.js';
import { openStore } from '../store/store.js';
import { version } from '../version.js';
import { configPath } from './config-path.js';
import { type Io, paint, table } from './output.js';

export interface ProbeOptions {
  server?: string;
  token?: string;
  location?: string;
  stateDir?: string;
  push?: string;
  poll?: string;
  maxBuffered?: string;
  debug?: boolean;
}

/**
 * `vigil probe --server URL --token T --location L`: run this location's
 * checks for a Vigil server until SIGTERM or SIGINT. The token may come from
 * VIGIL_PROBE_TOKEN instead, out of the process list.
 */
export async function probeCommand(io: Io, opts: ProbeOptions): Promise<number> {
  const token = opts.token ?? io.env.VIGIL_PROBE_TOKEN;
  if (!opts.server || !token || !opts.location) {
    throw new VigilError(
      'USAGE',
      'vigil probe needs --server, --token (or VIGIL_PROBE_TOKEN) and --location',
      {
        hint: 'vigil token create eu-probe --role probe --location eu-west, on the server, makes the token',
      },
    );
  }
  if (!/^https?:\/\//.test(opts.server))
    throw new VigilError('USAGE', `--server ${opts.server}: not an http(s) URL`, {
      hint: 'e.g. https://vigil.example',
    });
  const int = (text: string | undefined, name: string, fallback: number, min: number, unit: string) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min)
      throw new VigilError('USAGE', `--${name} ${text}: ${unit}, at least ${min}`, {
        hint: `e.g. --${name} ${fallback}`,
      });
    return n;
  };
  const level = opts.debug ? 'debug' : (io.env.VIGIL_LOG_LEVEL ?? 'info');
  const log = pino({ level, base: { location: opts.location } }, pino.destination({ fd: 1, sync: true }));
  const agent = new ProbeAgent({
    server: opts.server,
    token,
    location: opts.location,
    stateDir:
      opts.stateDir ??
      path.join(
        io.env.XDG_STATE_HOME ?? path.join(os.homedir(), '.local', 'state'),
        'vigil',
        `probe-${opts.location}`,
      ),
    clock: systemClock,
    version,
    hostname: os.hostname(),
    log: {
      info: (o, m) => log.info(o, m),
      warn: (o, m) => log.warn(o, m),
      error: (o, m) => log.error(o, m),
    },
    pushMs: int(opts.push, 'push', 5000, 100, 'milliseconds'),
    pollMs: int(opts.poll, 'poll', 30_000, 100, 'milliseconds'),
    maxBuffered: int(opts.maxBuffered, 'max-buffered', 100_000, 10, 'results'),
  });
  await agent.start();
  // Vigil's timers do not hold the process open (a daemon has its server for that); an agent has no
  // server, so this handle keeps it running until a signal. Not scheduled work: it never fires.
  const alive = setInterval(() => {}, 2 ** 30);
  const exited = new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal, buffered: agent.buffer.size }, 'stopping');
      agent
        .stop()
        .then(
          () => resolve(0),
          () => resolve(3),
        )
        .finally(() => clearInterval(alive));
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  io.err(
    `Vigil probe is up: location ${opts.location}, server ${opts.server}, agent ${agent.buffer.agent}, ${agent.buffer.size} results waiting`,
  );
  return exited;
}

/** `vigil probe list`: the agents the server has heard from, read from the store as `vigil jobs` does. */
export async function probeListCommand(io: Io, opts: { config?: string; json?: boolean }): Promise<number> {
  const setup = loadSetup(configPath(io, opts.config), io.env);
  const store = await openStore(setup.loaded.config.storage);
  try {
    const now = Date.now();
    const probes = new ProbeService({
      clock: systemClock,
      probes: store.probes,
      checks: () => setup.loaded.config.checks,
      recordSamples: () => {},
    });
    const { agents, locations } = await probes.agents();
    if (opts.json) {
      io.out(JSON.stringify({ locations, agents }, null, 2));
      return 0;
    }
    const ago = (ms: number | null) => (ms === null ? '-' : `${Math.round(ms / 1000)}s ago`);
    io.out(
      table([
        ['AGENT', 'LOCATION', 'HOST', 'VERSION', 'LAST CONTACT', 'LAG', 'WAITING', 'STATE'],
        ...agents.map((a) => [
          a.id,
          a.location,
          a.hostname,
          a.version,
          ago(now - a.lastContactAt),
          a.lagMs === null ? '-' : `${(a.lagMs / 1000).toFixed(1)}s`,
          String(a.buffered),
          paint(io, a.missing ? 'critical' : 'ok', a.missing ? 'missing' : 'reporting'),
        ]),
      ]),
    );
    const silent = locations.filter((l) => l.missing).map((l) => l.location);
    if (silent.length) io.out(`locations with no reporting agent: ${silent.join(', ')}`);
    return 0;
  } finally {
    await store.close();
  }
}
