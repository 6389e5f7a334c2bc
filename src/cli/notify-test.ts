import { loadConfig } from '../config/loader.js';
import { VigilError } from '../errors.js';
import { compileNotify } from '../notify/config.js';
import { providers } from '../notify/registry.js';
import { render } from '../notify/template.js';
import { DeliveryError, type NotificationData } from '../notify/types.js';
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
  const channel = compileNotify(loaded.config).channels.get(name);
  if (!channel) {
    throw new VigilError('USAGE', `no notification channel "${name}"`, {
      hint: `channels: ${loaded.config.notify.map((c) => c.name).join(', ') || '(none configured)'}`,
    });
  }
  const now = Date.now();
  const labels = { alertname: 'VigilTestNotification', severity: 'info', channel: name };
  const data: NotificationData = {
    receiver: name,
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: { summary: `A test from vigil notify test: "${name}" works. No action needed.` },
        startsAt: now,
        endsAt: 0,
        generatorURL: '',
        fingerprint: 'test',
      },
    ],
    groupLabels: { alertname: labels.alertname },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: '',
    groupKey: `test:${name}:${now}`,
    truncatedAlerts: 0,
  };
  const { title, body } = render(data, channel.templates);
  const provider = providers[channel.provider];
  const id = `test-${now}`;
  try {
    const answer = await provider.send(channel.spec as never, {
      id,
      idempotencyKey: id,
      channel: name,
      payload: { data, title, body },
      signal: AbortSignal.timeout(Number(opts.timeout ?? 10_000) + 1000),
      timeoutMs: Number(opts.timeout ?? 10_000),
    });
    const text = answer
      ? `HTTP ${answer.status}${answer.text.trim() ? `: ${answer.text.trim().slice(0, 500)}` : ''}`
      : 'accepted';
    io.out(`${name} (${channel.provider} → ${provider.target(channel.spec as never)}): ${text}`);
    return 0;
  } catch (e) {
    if (!(e instanceof DeliveryError)) throw e;
    io.err(
      `${name} (${channel.provider}): ${e.message}${e.retry ? ' (would be retried)' : ' (refused; not retried)'}`,
    );
    return 1;
  }
}
