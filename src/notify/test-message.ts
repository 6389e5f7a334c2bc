import type { VigilConfig } from '../config/schema.js';
import { VigilError } from '../errors.js';
import { compileNotify } from './config.js';
import { providers } from './registry.js';
import { render } from './template.js';
import { DeliveryError, type NotificationData } from './types.js';

export interface TestSent {
  channel: string;
  provider: string;
  /** where it went, secrets left out */
  target: string;
  ok: boolean;
  /** the receiver's answer, or why it could not be reached */
  answer: string;
  /** for a failure: whether the outbox would retry it */
  retry?: boolean;
}

/**
 * One test notification through a channel as configured (its templates too), with the
 * receiver's answer: what `vigil notify test` prints and the dashboard's "Send test" shows,
 * so a new webhook or key is proven before an alert needs it. It goes out directly, not
 * through the outbox: nothing is retried and nothing is recorded.
 */
export async function sendTestNotification(
  config: VigilConfig,
  name: string,
  opts: { timeoutMs: number; now: number },
): Promise<TestSent> {
  const channel = compileNotify(config).channels.get(name);
  if (!channel) {
    throw new VigilError('NOT_FOUND', `no notification channel "${name}"`, {
      hint: `channels: ${config.notify.map((c) => c.name).join(', ') || '(none configured)'}`,
    });
  }
  const now = opts.now;
  const labels = { alertname: 'VigilTestNotification', severity: 'info', channel: name };
  const data: NotificationData = {
    receiver: name,
    status: 'firing',
    alerts: [
      {
        status: 'firing',
        labels,
        annotations: { summary: `A test from Vigil: "${name}" works. No action needed.` },
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
  const target = provider.target(channel.spec as never);
  const id = `test-${now}`;
  try {
    const answer = await provider.send(channel.spec as never, {
      id,
      idempotencyKey: id,
      channel: name,
      payload: { data, title, body },
      signal: AbortSignal.timeout(opts.timeoutMs + 1000),
      timeoutMs: opts.timeoutMs,
    });
    const text = answer
      ? `HTTP ${answer.status}${answer.text.trim() ? `: ${answer.text.trim().slice(0, 500)}` : ''}`
      : 'accepted';
    return { channel: name, provider: channel.provider, target, ok: true, answer: text };
  } catch (e) {
    if (!(e instanceof DeliveryError)) throw e;
    return {
      channel: name,
      provider: channel.provider,
      target,
      ok: false,
      answer: e.message,
      retry: e.retry,
    };
  }
}
