import { alertmanagerProvider } from './providers/alertmanager.js';
import { emailProvider } from './providers/email.js';
import { pagerdutyProvider } from './providers/pagerduty.js';
import { slackProvider } from './providers/slack.js';
import { webhookProvider } from './providers/webhook.js';
import type { Provider } from './types.js';

/**
 * Every notification provider, by the key that selects it in a `notify:`
 * entry. Adding one is one file plus one line here: the config schema and
 * the delivery workers read this object.
 */
export const providers = {
  webhook: webhookProvider,
  slack: slackProvider,
  pagerduty: pagerdutyProvider,
  email: emailProvider,
  alertmanager: alertmanagerProvider,
} satisfies Record<string, Provider<any>>;

export type ProviderName = keyof typeof providers;
export const providerNames = Object.keys(providers) as ProviderName[];
