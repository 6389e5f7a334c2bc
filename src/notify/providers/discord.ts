import { z } from 'zod';
import { clip, hostOf, postJson } from '../http.js';
import type { Delivery, Provider } from '../types.js';

const spec = z.strictObject({
  /** the channel webhook URL (https://discord.com/api/webhooks/<id>/<token>); a secret */
  url: z.url({ protocol: /^https?$/ }),
  username: z.string().max(80).optional(),
});
type Spec = z.output<typeof spec>;

const red = 0xd83c3e;
const green = 0x2eb67d;
const blue = 0x3b82f6;

/**
 * Discord channel webhook: the title as `content` (at most 2,000
 * characters), the body as one embed (title 256, description 4,096), within
 * Discord's limits so it never answers 400. `wait=true` makes Discord answer
 * with the message it created rather than an empty 204.
 */
export const discordProvider: Provider<Spec> = {
  schema: spec,
  target: (s) => hostOf(s.url),
  send: (s, d) =>
    post(s, d, d.payload.title, d.payload.body, d.payload.data.status === 'firing' ? red : green),
  announce: (s, d) =>
    post(s, d, d.payload.title, d.payload.announcement!.text, blue, d.payload.announcement!.link).then(
      () => {},
    ),
};

function post(s: Spec, d: Delivery, title: string, text: string, color: number, link?: string) {
  const url = new URL(s.url);
  url.searchParams.set('wait', 'true');
  return postJson(
    url.href,
    {
      content: clip(title, 2000),
      embeds: [
        {
          title: clip(title, 256),
          description: clip(text.trim() || ' ', 4096),
          color,
          ...(link ? { url: link } : {}),
        },
      ],
      allowed_mentions: { parse: [] },
      ...(s.username ? { username: s.username } : {}),
    },
    { signal: d.signal, timeoutMs: d.timeoutMs },
  );
}
