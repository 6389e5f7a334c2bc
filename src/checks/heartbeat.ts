import { z } from 'zod';
import { duration } from '../config/types.js';
import { formatDuration } from '../core/duration.js';
import { describe } from '../errors.js';
import type { CheckKind, HeartbeatPing, KindOutcome } from './types.js';

const schema = z.strictObject({
  /** how often the job pings when it is healthy, e.g. 1h for an hourly cron job */
  period: duration({ min: 1000 }),
  /** how late a ping may be before it counts as missing */
  grace: duration().prefault('1m'),
});

export type HeartbeatSpec = z.output<typeof schema>;

export const heartbeatCheck: CheckKind<HeartbeatSpec> = {
  schema,
  series: ['heartbeat_age_seconds', 'heartbeat_last_ping_timestamp_seconds'],
  target: (spec) => `ping every ${formatDuration(spec.period)} (grace ${formatDuration(spec.grace)})`,
  async run(spec, ctx) {
    const now = ctx.now();
    // A job that has never pinged is judged from when Vigil started watching it.
    if (typeof ctx.memo.watchingSince !== 'number') ctx.memo.watchingSince = now;
    const watchingSince = ctx.memo.watchingSince as number;

    let state: Awaited<ReturnType<typeof ctx.heartbeats.last>>;
    try {
      state = await ctx.heartbeats.last(ctx.name);
    } catch (e) {
      return { status: 'unknown', message: `cannot read pings: ${describe(e)}` };
    }
    const latest = latestOf(state?.ping, state?.lastStart);
    if (latest === undefined) {
      const waited = now - watchingSince;
      return waited > spec.period + spec.grace
        ? { status: 'critical', message: `no ping received in ${roughly(waited)}` }
        : { status: 'unknown', message: 'no ping received yet' };
    }
    return judge(spec, latest, now);
  },
};

function judge(spec: HeartbeatSpec, ping: HeartbeatPing, now: number): KindOutcome {
  // A ping stamped ahead of our clock (skew) is as fresh as a ping can be.
  const age = Math.max(0, now - ping.at);
  const samples = [
    { name: 'heartbeat_last_ping_timestamp_seconds', value: ping.at / 1000 },
    { name: 'heartbeat_age_seconds', value: age / 1000 },
  ];
  const ago = `${roughly(age)} ago`;
  const suffix = ping.message ? `: ${ping.message}` : '';
  if (ping.type === 'fail') return { status: 'critical', message: `failed ${ago}${suffix}`, samples };
  const every = formatDuration(spec.period);
  if (ping.type === 'start') {
    if (age > spec.period + spec.grace) {
      return { status: 'critical', message: `started ${ago} but never finished`, samples };
    }
    if (age > spec.period) {
      return {
        status: 'warning',
        message: `late: started ${ago}, still running (expected every ${every})`,
        samples,
      };
    }
    return { status: 'ok', message: `running, started ${ago}`, samples };
  }
  if (age > spec.period + spec.grace)
    return { status: 'critical', message: `down, last ping ${ago}`, samples };
  if (age > spec.period) {
    return { status: 'warning', message: `late: last ping ${ago}, expected every ${every}`, samples };
  }
  return { status: 'ok', message: `last ping ${ago}${suffix}`, samples };
}

/** The newest of the two; a start that came after the last ok/fail means the job is running. */
function latestOf(ping?: HeartbeatPing, start?: HeartbeatPing): HeartbeatPing | undefined {
  if (ping === undefined) return start;
  if (start === undefined) return ping;
  return start.at > ping.at ? start : ping;
}

/** An age as people say it: the two largest units, "2h5m", "3d4h", "42s". */
function roughly(ms: number): string {
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  const i = units.findIndex(([, size]) => ms >= size);
  if (i < 0) return '0s';
  const [unit, size] = units[i]!;
  let out = `${Math.floor(ms / size)}${unit}`;
  const next = units[i + 1];
  if (next) {
    const rest = Math.floor((ms % size) / next[1]);
    if (rest > 0) out += `${rest}${next[0]}`;
  }
  return out;
}
