import { z } from 'zod';
import { clip, hostOf, postJson } from '../http.js';
import type { Delivery, Provider } from '../types.js';

const spec = z.strictObject({
  /** the Workflows ("When a Teams webhook request is received") URL; a secret: put it in the environment */
  url: z.url({ protocol: /^https?$/ }),
});
type Spec = z.output<typeof spec>;

/** Teams refuses a message over about 28 KB; the body is kept well under that. */
const bodyMax = 20_000;

/**
 * Microsoft Teams through a Workflows webhook: a message whose one
 * attachment is an Adaptive Card (1.4, what Teams renders) with the title
 * and the rendered body. The workflow answers 202 once it has taken it.
 */
export const teamsProvider: Provider<Spec> = {
  schema: spec,
  target: (s) => hostOf(s.url),
  send: (s, d) =>
    post(s, d, d.payload.title, d.payload.body, d.payload.data.status === 'firing' ? 'Attention' : 'Good'),
  announce: (s, d) =>
    post(s, d, d.payload.title, d.payload.announcement!.text, 'Accent', d.payload.announcement!.link).then(
      () => {},
    ),
};

function post(s: Spec, d: Delivery, title: string, text: string, color: string, link?: string) {
  const card = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body: [
      { type: 'TextBlock', text: clip(title, 400), weight: 'Bolder', size: 'Medium', color, wrap: true },
      { type: 'TextBlock', text: clip(text.trim() || ' ', bodyMax), wrap: true },
    ],
    ...(link ? { actions: [{ type: 'Action.OpenUrl', title: 'Open in Vigil', url: link }] } : {}),
  };
  return postJson(
    s.url,
    {
      type: 'message',
      attachments: [
        { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
      ],
    },
    { signal: d.signal, timeoutMs: d.timeoutMs },
  );
}
