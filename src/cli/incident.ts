import { formatDuration } from '../core/duration.js';
import { VigilError } from '../errors.js';
import { acknowledgeIncident, incidentDetail, incidentView, resolveIncident } from '../notify/operations.js';
import { incidentStats } from '../store/incidents.js';
import { type Io, paint, table } from './output.js';
import { actor, isoTime, withStore } from './with-store.js';

const color: Record<string, string> = { open: 'critical', acknowledged: 'warning', resolved: 'ok' };

function idOf(text: string): number {
  const id = Number(text);
  if (!Number.isSafeInteger(id) || id < 1)
    throw new VigilError('USAGE', `"${text}" is not an incident id`, {
      hint: 'ids are numbers: vigil incident list',
    });
  return id;
}

export async function incidentListCommand(
  io: Io,
  opts: { config?: string; json?: boolean; all?: boolean; since?: string },
): Promise<number> {
  return withStore(io, opts.config, async (store) => {
    const list = await store.incidents.list({ all: opts.all });
    if (opts.json) {
      const now = Date.now();
      const from = now - 30 * 86_400_000;
      const stats = incidentStats(
        await store.incidents.list({ all: true, from, to: now, limit: 100_000 }),
        from,
        now,
      );
      io.out(JSON.stringify({ incidents: list.map(incidentView), last30d: stats }, null, 2));
      return 0;
    }
    if (!list.length) {
      io.out(opts.all ? 'no incidents' : 'no open incidents');
      return 0;
    }
    io.out(
      table([
        ['ID', 'STATUS', 'SEVERITY', 'OPENED', 'ACK BY', 'ALERTS', 'TITLE'],
        ...list.map((i) => [
          String(i.id),
          paint(io, color[i.status]!, i.status),
          i.severity,
          isoTime(i.openedAt),
          i.ackedBy ?? '-',
          String(i.alerts.length),
          i.title,
        ]),
      ]),
    );
    return 0;
  });
}

export async function incidentShowCommand(io: Io, id: string, opts: { config?: string; json?: boolean }) {
  return withStore(io, opts.config, async (store) => {
    const d = await incidentDetail(store.incidents, idOf(id));
    if (opts.json) {
      io.out(JSON.stringify(d, null, 2));
      return 0;
    }
    io.out(
      `#${d.id} ${d.title}\n${paint(io, color[d.status]!, d.status)} · ${d.severity} · opened ${d.openedAt}\n`,
    );
    io.out(table([['AT', 'EVENT', 'DETAIL'], ...d.timeline.map((e) => [e.at, e.kind, e.text])]));
    return 0;
  });
}

export async function incidentAckCommand(io: Io, id: string, opts: { config?: string; by?: string }) {
  return withStore(io, opts.config, async (store) => {
    const now = Date.now();
    const i = await acknowledgeIncident(store.incidents, idOf(id), actor(io, opts.by) || 'cli', now);
    io.out(
      `incident ${i.id} acknowledged by ${i.ackedBy} after ${formatDuration(now - i.openedAt)}; reminders stop`,
    );
    return 0;
  });
}

export async function incidentResolveCommand(io: Io, id: string, opts: { config?: string; by?: string }) {
  return withStore(io, opts.config, async (store) => {
    const now = Date.now();
    const i = await resolveIncident(store.incidents, idOf(id), actor(io, opts.by) || 'cli', now);
    io.out(`incident ${i.id} resolved by ${i.resolvedBy} after ${formatDuration(now - i.openedAt)}`);
    return 0;
  });
}
