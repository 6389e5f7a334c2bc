import { z } from 'zod';
import { clip, hostOf, postJson } from '../http.js';
import type { Delivery, Provider } from '../types.js';

const spec = z.strictObject({
  /** the application's API token (a secret) */
  token: z.string().regex(/^[A-Za-z0-9]{30}$/, 'a Pushover application token is 30 letters and digits'),
  /** the user or group key (a secret) */
  user: z.string().regex(/^[A-Za-z0-9]{30}$/, 'a Pushover user key is 30 letters and digits'),
  device: z.string().optional(),
  /** Pushover priority for firing alerts, -2..1 (2, emergency, needs retry/expire and is not offered) */
  priority: z.number().int().min(-2).max(1).default(1),
  api_url: z.url({ protocol: /^https?$/ }).default('https://api.pushover.net/1/messages.json'),
});
type Spec = z.output<typeof spec>;

/** Pushover's Messages API: title ≤ 250, message ≤ 1,024, url ≤ 512 characters. */
export const pushoverProvider: Provider<Spec> = {
  schema: spec,
  target: (s) => hostOf(s.api_url),
  send: (s, d) =>
    post(s, d, d.payload.title, d.payload.body, d.payload.data.status === 'firing' ? s.priority : -1),
  announce: (s, d) => {
    const a = d.payload.announcement!;
    return post(s, d, d.payload.title, a.text, 0, a.link).then(() => {});
  },
};

function post(s: Spec, d: Delivery, title: string, message: string, priority: number, url?: string) {
  return postJson(
    s.api_url,
    {
      token: s.token,
      user: s.user,
      title: clip(title, 250),
      message: clip(message.trim() || title, 1024),
      priority,
      ...(s.device ? { device: s.device } : {}),
      ...(url ? { url: clip(url, 512) } : {}),
    },
    { signal: d.signal, timeoutMs: d.timeoutMs },
  );
}
