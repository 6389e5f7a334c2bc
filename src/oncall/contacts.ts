import type { Channel } from '../notify/config.js';
import { type ProviderName, providers } from '../notify/registry.js';

/**
 * A person's contact is a channel under notify: (its SMTP relay, bot, ntfy server) addressed to
 * them: the provider's address field is replaced by theirs. Each contact becomes a channel of its
 * own, `oncall:<user>:<channel>`, so pages go through the same outbox, retries and delivery log.
 */

/** The field that addresses one recipient, per provider; the others reach a fixed place. */
const addressField: Partial<Record<ProviderName, string>> = {
  email: 'to',
  ntfy: 'topic',
  pushover: 'user',
  telegram: 'chat_id',
  slack: 'channel',
};

export interface ContactInput {
  channel: string;
  to?: string | number | undefined;
}

export const contactChannelName = (user: string, channel: string) => `oncall:${user}:${channel}`;

/** The channel that reaches one person, or a message saying why the contact cannot. */
export function contactChannel(user: string, c: ContactInput, base: Channel): Channel | string {
  if (c.to === undefined) return { ...base, name: contactChannelName(user, c.channel) };
  const field = addressField[base.provider];
  if (!field)
    return `${base.provider} channels reach one place: leave out to:, or give this person a channel of their own`;
  const spec = { ...(base.spec as Record<string, unknown>), [field]: c.to };
  const parsed = providers[base.provider].schema.safeParse(spec);
  if (!parsed.success)
    return `not a ${base.provider} ${field}: ${parsed.error.issues[0]?.message ?? 'invalid'}`;
  return { ...base, name: contactChannelName(user, c.channel), spec: parsed.data };
}

/** Every person's contact channels; contacts the config check refused are left out. */
export function contactChannels(
  users: readonly { name: string; contacts: readonly ContactInput[] }[],
  channels: ReadonlyMap<string, Channel>,
): Channel[] {
  return users.flatMap((u) =>
    u.contacts.flatMap((c) => {
      const base = channels.get(c.channel);
      const ch = base && contactChannel(u.name, c, base);
      return ch && typeof ch !== 'string' ? [ch] : [];
    }),
  );
}
