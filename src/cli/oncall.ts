import { loadConfig } from '../config/loader.js';
import { zonedTime } from '../core/windows.js';
import { VigilError } from '../errors.js';
import { compileOncall } from '../oncall/compile.js';
import { scheduleView, whoView } from '../oncall/view.js';
import { configPath } from './config-path.js';
import { type Io, table } from './output.js';

/** `--at 2026-12-08T03:00Z` (an instant) or `--at 2026-12-08T03:00` (local time in each schedule's zone). */
function parseAt(text: string | undefined, now: number, zone: string): number {
  if (text === undefined) return now;
  const local = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/.exec(text);
  if (local) return zonedTime(zone, +local[1]!, +local[2]!, +local[3]!, +local[4]!, +local[5]!);
  const t = Date.parse(text);
  if (Number.isFinite(t) && /^\d{4}-\d{2}-\d{2}/.test(text)) return t;
  throw new VigilError('USAGE', `--at "${text}" is not a time`, {
    hint: 'e.g. --at 2026-12-08T03:00 (in the schedule time zone) or --at 2026-12-08T02:00:00Z',
  });
}

/** Wall time in the schedule's zone, as people on call read it. */
const local = (iso: string, zone: string) =>
  `${new Intl.DateTimeFormat('sv-SE', { timeZone: zone, dateStyle: 'short', timeStyle: 'short' }).format(Date.parse(iso))} ${new Intl.DateTimeFormat('en-GB', { timeZone: zone, weekday: 'short' }).format(Date.parse(iso))}`;

/** `vigil oncall who`: who is on call now (or at --at) in every schedule. */
export function oncallWhoCommand(io: Io, opts: { config?: string; at?: string; json?: boolean }): number {
  const { config } = loadConfig(configPath(io, opts.config), io.env);
  const o = compileOncall(config.oncall);
  const now = Date.now();
  const rows = [...o.schedules.values()].flatMap((s) =>
    whoView(o, parseAt(opts.at, now, s.timezone)).filter((v) => v.schedule === s.name),
  );
  if (opts.json) {
    io.out(JSON.stringify({ oncall: rows }, null, 2));
    return 0;
  }
  if (!rows.length) {
    io.out('no schedules under oncall.schedules');
    return 0;
  }
  io.out(
    table([
      ['SCHEDULE', 'ON CALL', 'VIA', 'UNTIL'],
      ...rows.map((r) => [
        r.schedule,
        r.user === null ? '(nobody)' : r.display_name!,
        r.source ?? '-',
        r.until ? local(r.until, r.timezone) : '-',
      ]),
    ]),
  );
  return 0;
}

/** `vigil oncall show <schedule> --days 14`: the shifts ahead. */
export function oncallShowCommand(
  io: Io,
  schedule: string,
  opts: { config?: string; days?: string; from?: string; json?: boolean },
): number {
  const { config } = loadConfig(configPath(io, opts.config), io.env);
  const o = compileOncall(config.oncall);
  const zone = o.schedules.get(schedule)?.timezone ?? 'UTC';
  const days = Number(opts.days ?? '14');
  const view = scheduleView(o, schedule, parseAt(opts.from, Date.now(), zone), days);
  if (opts.json) {
    io.out(JSON.stringify(view, null, 2));
    return 0;
  }
  io.out(`${view.schedule} (${view.timezone})`);
  io.out(
    table([
      ['FROM', 'UNTIL', 'ON CALL', 'VIA'],
      ...view.shifts.map((s) => [local(s.starts_at, zone), local(s.ends_at, zone), s.display_name, s.source]),
    ]),
  );
  return 0;
}
