import { z } from 'zod';
import { clip, postJson } from '../http.js';
import type { Delivery, Provider } from '../types.js';

const spec = z.strictObject({
  /** the bot's token from @BotFather (a secret: put it in the environment) */
  bot_token: z.string().regex(/^\d+:[\w-]+$/, 'a bot token looks like 123456:ABC-def…'),
  /** a chat id (negative for groups) or @channelusername */
  chat_id: z.union([z.number().int(), z.string().min(1)]),
  api_url: z.url({ protocol: /^https?$/ }).default('https://api.telegram.org'),
  /** no notification sound for resolved messages */
  quiet_resolved: z.boolean().default(true),
});
type Spec = z.output<typeof spec>;

/**
 * Telegram Bot API `sendMessage`: plain text (no parse_mode, so nothing in a
 * label can break Telegram's markup parser), at most 4,096 characters. The
 * token is in the URL path, so errors name only the host.
 */
export const telegramProvider: Provider<Spec> = {
  schema: spec,
  target: (s) => `${new URL(s.api_url).host} chat ${s.chat_id}`,
  send: (s, d) => post(s, d, `${d.payload.title}\n\n${d.payload.body}`, d.payload.data.status === 'resolved'),
  announce: (s, d) => {
    const a = d.payload.announcement!;
    return post(s, d, `${d.payload.title}\n\n${a.text}${a.link ? `\n${a.link}` : ''}`, false).then(() => {});
  },
};

function post(s: Spec, d: Delivery, text: string, resolved: boolean) {
  return postJson(
    `${s.api_url.replace(/\/$/, '')}/bot${s.bot_token}/sendMessage`,
    {
      chat_id: s.chat_id,
      text: clip(text.trim(), 4096),
      disable_web_page_preview: true,
      ...(resolved && s.quiet_resolved ? { disable_notification: true } : {}),
    },
    { signal: d.signal, timeoutMs: d.timeoutMs },
  );
}
