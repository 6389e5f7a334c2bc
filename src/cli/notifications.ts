import { VigilError } from '../errors.js';
import type { NotificationStatus } from '../store/notifications.js';
import { type Io, paint, table } from './output.js';
import { isoTime, withStore } from './with-store.js';

const statusColor: Record<string, string> = { delivered: 'ok', pending: 'warning', dead: 'critical' };

/** `vigil notifications [id]`: the outbox and, for one notification, its delivery log. */
export async function notificationsCommand(
  io: Io,
  id: string | undefined,
  opts: { config?: string; json?: boolean; status?: string; channel?: string; limit?: string },
): Promise<number> {
  if (opts.status && !['pending', 'delivered', 'dead'].includes(opts.status))
    throw new VigilError('USAGE', `--status ${opts.status}: not a notification status`, {
      hint: 'pending, delivered or dead',
    });
  return withStore(io, opts.config, async (store) => {
    if (id) {
      const n = await store.notifications.get(id);
      if (!n)
        throw new VigilError('NOT_FOUND', `no notification ${id}`, {
          hint: 'list them with vigil notifications',
        });
      if (opts.json) {
        io.out(
          JSON.stringify({ ...n, payload: undefined, title: n.payload.title, body: n.payload.body }, null, 2),
        );
        return 0;
      }
      io.out(
        `${n.payload.title}\n${n.channel} (${n.provider}) · ${paint(io, statusColor[n.status]!, n.status)} · ${n.alerts} alert(s) · created ${isoTime(n.createdAt)}\n`,
      );
      io.out(
        table([
          ['ATTEMPT', 'AT', 'RESULT', 'HTTP', 'TOOK', 'ERROR'],
          ...n.log.map((a, i) => [
            String(i + 1),
            isoTime(a.at),
            a.result,
            a.statusCode === null ? '-' : String(a.statusCode),
            `${Math.round(a.durationMs)}ms`,
            a.error ?? '',
          ]),
        ]),
      );
      return 0;
    }
    const list = await store.notifications.list({
      status: opts.status as NotificationStatus | undefined,
      channel: opts.channel,
      limit: opts.limit ? Number(opts.limit) : 50,
    });
    if (opts.json) {
      io.out(
        JSON.stringify(
          {
            notifications: list.map((n) => ({
              id: n.id,
              channel: n.channel,
              provider: n.provider,
              event: n.event,
              status: n.status,
              title: n.payload.title,
              alerts: n.alerts,
              createdAt: new Date(n.createdAt).toISOString(),
              attempts: n.attempts,
              lastError: n.lastError,
            })),
          },
          null,
          2,
        ),
      );
      return 0;
    }
    if (!list.length) {
      io.out('no notifications');
      return 0;
    }
    io.out(
      table([
        ['CREATED', 'CHANNEL', 'STATUS', 'TRIES', 'TITLE', 'ID'],
        ...list.map((n) => [
          isoTime(n.createdAt),
          n.channel,
          paint(io, statusColor[n.status]!, n.status),
          String(n.attempts),
          n.payload.title.length > 60 ? `${n.payload.title.slice(0, 59)}…` : n.payload.title,
          n.id,
        ]),
      ]),
    );
    return 0;
  });
}
