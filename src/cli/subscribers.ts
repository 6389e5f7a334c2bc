import { VigilError } from '../errors.js';
import type { Io } from './output.js';
import { isoTime, withStore } from './with-store.js';

/**
 * `vigil subscribers export`: every status page subscriber with its address, as JSON (a request
 * for one's data is answered with `--address`).
 */
export async function subscribersExportCommand(
  io: Io,
  opts: { config?: string; address?: string },
): Promise<number> {
  return withStore(io, opts.config, async (store) => {
    const list = await store.status.subscribers(
      opts.address ? { address: opts.address.trim().toLowerCase() } : {},
    );
    io.out(
      JSON.stringify(
        {
          subscribers: list.map((s) => ({
            id: s.id,
            kind: s.kind,
            address: s.address,
            created_at: isoTime(s.createdAt),
            confirmed_at: s.confirmedAt === null ? null : isoTime(s.confirmedAt),
          })),
        },
        null,
        2,
      ),
    );
    return 0;
  });
}

/** `vigil subscribers remove <address|id>`: deletes the subscriber and its address. */
export async function subscribersRemoveCommand(
  io: Io,
  who: string,
  opts: { config?: string },
): Promise<number> {
  return withStore(io, opts.config, async (store) => {
    const n =
      (await store.status.remove({ id: who })) +
      (await store.status.remove({ address: who.trim().toLowerCase() }));
    if (!n)
      throw new VigilError('NOT_FOUND', `no subscriber "${who}"`, {
        hint: 'vigil subscribers export lists them',
      });
    io.out(`removed ${n} subscriber${n === 1 ? '' : 's'}`);
    return 0;
  });
}
