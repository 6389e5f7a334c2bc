import { z } from 'zod';
import { clip, hostOf, postJson } from '../http.js';
import type { Delivery, Provider } from '../types.js';

const spec = z.strictObject({
  /** the incoming webhook URL (it is a secret: put it in the environment) */
  url: z.url({ protocol: /^https?$/ }),
  channel: z.string().optional(),
  username: z.string().optional(),
});
type Spec = z.output<typeof spec>;

/** Slack text objects are limited to 3,000 characters; headers to 150. */
const sectionMax = 3000;
const headerMax = 150;

/** Slack incoming webhook: a header and the rendered body as Block Kit sections. */
export const slackProvider: Provider<Spec> = {
  schema: spec,
  target: (s) => `${hostOf(s.url)}${s.channel ? ` ${s.channel}` : ''}`,
  async send(s, d) {
    const { title, body, data } = d.payload;
    const emoji = data.status === 'firing' ? ':red_circle:' : ':large_green_circle:';
    const blocks: unknown[] = [
      { type: 'header', text: { type: 'plain_text', text: clip(`${title}`, headerMax), emoji: true } },
    ];
    for (const part of chunks(body, sectionMax))
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: part } });
    blocks.push({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: `${emoji} ${data.status} · ${data.alerts.length} alert(s) · Vigil` },
      ],
    });
    return await postJson(
      s.url,
      {
        text: clip(title, sectionMax),
        blocks,
        ...(s.channel ? { channel: s.channel } : {}),
        ...(s.username ? { username: s.username } : {}),
      },
      { signal: d.signal, timeoutMs: d.timeoutMs },
    );
  },
  announce,
};

/** Slack gets a summary: the title, the text, and a button-like link to the whole thing. */
async function announce(s: Spec, d: Delivery): Promise<void> {
  const a = d.payload.announcement!;
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(d.payload.title, headerMax), emoji: true } },
    ...chunks(a.text, sectionMax).map((part) => ({ type: 'section', text: { type: 'mrkdwn', text: part } })),
  ];
  if (a.link) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `<${a.link}|Open in Vigil>` } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `${a.kind} · Vigil` }] });
  await postJson(
    s.url,
    {
      text: clip(d.payload.title, sectionMax),
      blocks,
      ...(s.channel ? { channel: s.channel } : {}),
      ...(s.username ? { username: s.username } : {}),
    },
    { signal: d.signal, timeoutMs: d.timeoutMs },
  );
}

function chunks(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text.trim() || ' ';
  while (rest.length > max && out.length < 9) {
    const cut = rest.lastIndexOf('\n', max) > max / 2 ? rest.lastIndexOf('\n', max) : max;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^\n/, '');
  }
  out.push(clip(rest, max));
  return out;
}
