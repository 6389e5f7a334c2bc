import { alertmanagerProvider } from './providers/alertmanager.js';
import { discordProvider } from './providers/discord.js';
import { emailProvider } from './providers/email.js';
import { ntfyProvider } from './providers/ntfy.js';
import { opsgenieProvider } from './providers/opsgenie.js';
import { pagerdutyProvider } from './providers/pagerduty.js';
import { pushoverProvider } from './providers/pushover.js';
import { slackProvider } from './providers/slack.js';
import { teamsProvider } from './providers/teams.js';
import { telegramProvider } from './providers/telegram.js';
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
  teams: teamsProvider,
  discord: discordProvider,
  telegram: telegramProvider,
  ntfy: ntfyProvider,
  opsgenie: opsgenieProvider,
  pushover: pushoverProvider,
} satisfies Record<string, Provider<any>>;

export type ProviderName = keyof typeof providers;
export const providerNames = Object.keys(providers) as ProviderName[];
