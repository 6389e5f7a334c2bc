import { z } from 'zod';
import { clip, hostOf, postJson } from '../http.js';
import type { Delivery, Provider } from '../types.js';

const spec = z.strictObject({
  /** the server's base URL: https://ntfy.sh or your own */
  url: z.url({ protocol: /^https?$/ }).default('https://ntfy.sh'),
  topic: z.string().regex(/^[-_A-Za-z0-9]{1,64}$/, 'an ntfy topic is 1–64 letters, digits, "-" or "_"'),
  /** an access token (tk_…) for a protected topic; a secret */
  token: z.string().optional(),
  /** ntfy priority 1–5 for firing alerts (resolved ones go at 2) */
  priority: z.number().int().min(1).max(5).default(4),
});
type Spec = z.output<typeof spec>;

/**
 * ntfy's JSON publishing: POST to the server root with the topic in the body.
 * Messages stay under ntfy's 4,096-byte limit (longer ones become attachments there).
 */
export const ntfyProvider: Provider<Spec> = {
  schema: spec,
  target: (s) => `${hostOf(s.url)}/${s.topic}`,
  send: (s, d) => {
    const firing = d.payload.data.status === 'firing';
    return post(s, d, d.payload.title, d.payload.body, firing ? s.priority : 2, [
      firing ? 'rotating_light' : 'white_check_mark',
    ]);
  },
  announce: (s, d) => {
    const a = d.payload.announcement!;
    return post(s, d, d.payload.title, a.text, 3, ['memo'], a.link).then(() => {});
  },
};

function post(
  s: Spec,
  d: Delivery,
  title: string,
  message: string,
  priority: number,
  tags: string[],
  click?: string,
) {
  return postJson(
    s.url.replace(/\/$/, '') || s.url,
    {
      topic: s.topic,
      title: clip(title, 250),
      message: clip(message.trim() || title, 3500),
      priority,
      tags,
      ...(click ? { click } : {}),
    },
    {
      signal: d.signal,
      timeoutMs: d.timeoutMs,
      ...(s.token ? { headers: { authorization: `Bearer ${s.token}` } } : {}),
    },
  );
}
