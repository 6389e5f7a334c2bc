import { parseDuration } from '../core/duration.js';
import { VigilError } from '../errors.js';
import { createSilence, expireSilence, silenceView } from '../notify/operations.js';
import { type Io, table } from './output.js';
import { actor, withStore } from './with-store.js';

function time(text: string, flag: string): number {
  const t = Date.parse(text);
  if (Number.isNaN(t))
    throw new VigilError('USAGE', `${flag} ${text}: not a time`, {
      hint: 'ISO 8601, e.g. 2026-11-28T06:00:00Z',
    });
  return t;
}

/** `vigil silence add <matchers...>`: mute matching alerts for a while (they are still evaluated and recorded). */
export async function silenceAddCommand(
  io: Io,
  matchers: string[],
  opts: {
    config?: string;
    json?: boolean;
    duration?: string;
    until?: string;
    start?: string;
    comment?: string;
    author?: string;
  },
): Promise<number> {
  let durationMs: number | undefined;
  if (opts.duration !== undefined) {
    durationMs = parseDuration(opts.duration);
    if (durationMs === undefined)
      throw new VigilError('USAGE', `--duration ${opts.duration}: not a duration`, {
        hint: 'e.g. 2h, 30m, 1d',
      });
  }
  if (opts.until === undefined && durationMs === undefined) durationMs = 3_600_000;
  return withStore(io, opts.config, async (store) => {
    const now = Date.now();
    const s = await createSilence(
      store.silences,
      {
        matchers,
        startsAt: opts.start ? time(opts.start, '--start') : undefined,
        endsAt: opts.until ? time(opts.until, '--until') : undefined,
        durationMs,
        createdBy: actor(io, opts.author),
        comment: opts.comment ?? '',
      },
      now,
    );
    const view = silenceView(s, now);
    if (opts.json) io.out(JSON.stringify(view, null, 2));
    else io.out(`silence ${s.id} ${view.state} until ${view.endsAt}: ${view.matchers.join(' ')}`);
    return 0;
  });
}

export async function silenceListCommand(
  io: Io,
  opts: { config?: string; json?: boolean; all?: boolean },
): Promise<number> {
  return withStore(io, opts.config, async (store) => {
    const now = Date.now();
    const list = (await store.silences.list(now, { includeExpired: opts.all })).map((s) =>
      silenceView(s, now),
    );
    if (opts.json) io.out(JSON.stringify({ silences: list }, null, 2));
    else if (!list.length) io.out(opts.all ? 'no silences' : 'no active or pending silences');
    else
      io.out(
        table([
          ['ID', 'STATE', 'ENDS', 'LEFT', 'BY', 'MATCHERS', 'COMMENT'],
          ...list.map((s) => [
            s.id,
            s.state,
            s.endsAt,
            s.remaining || '-',
            s.createdBy,
            s.matchers.join(' '),
            s.comment,
          ]),
        ]),
      );
    return 0;
  });
}

export async function silenceExpireCommand(io: Io, id: string, opts: { config?: string }): Promise<number> {
  return withStore(io, opts.config, async (store) => {
    await expireSilence(store.silences, id, Date.now());
    io.out(`silence ${id} expired`);
    return 0;
  });
}
