import { loadConfig } from '../config/loader.js';
import { VigilError } from '../errors.js';
import { sendTestNotification } from '../notify/test-message.js';
import { configPath } from './config-path.js';
import type { Io } from './output.js';

/**
 * `vigil notify test <channel>`: sends one test notification through the
 * channel as configured (its templates too) and prints what the receiver
 * answered, so a new webhook or key is proven before an alert needs it.
 * Exit 0 when the receiver took it, 1 when it refused or could not be reached.
 */
export async function notifyTestCommand(
  io: Io,
  name: string,
  opts: { config?: string; timeout?: string },
): Promise<number> {
  const loaded = loadConfig(configPath(io, opts.config), io.env);
  let sent: Awaited<ReturnType<typeof sendTestNotification>>;
  try {
    sent = await sendTestNotification(loaded.config, name, {
      timeoutMs: Number(opts.timeout ?? 10_000),
      now: Date.now(),
    });
  } catch (e) {
    // an unknown channel is a usage error on the command line
    if (e instanceof VigilError && e.code === 'NOT_FOUND')
      throw new VigilError('USAGE', e.message, e.hint ? { hint: e.hint } : {});
    throw e;
  }
  if (sent.ok) {
    io.out(`${name} (${sent.provider} → ${sent.target}): ${sent.answer}`);
    return 0;
  }
  io.err(
    `${name} (${sent.provider}): ${sent.answer}${sent.retry ? ' (would be retried)' : ' (refused; not retried)'}`,
  );
  return 1;
}
