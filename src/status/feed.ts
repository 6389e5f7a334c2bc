import type { StatusUpdate } from '../store/status.js';

/** RSS 2.0 and Atom 1.0 feeds of status page updates: titles and texts operators posted, nothing else. */

type Entry = StatusUpdate & { title: string };

const esc = (t: string) =>
  t.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
const iso = (t: number) => new Date(t).toISOString();
const label = (e: Entry) => `[${e.status}] ${e.title}`;

export function atomFeed(
  o: { title: string; url: string; updated: number },
  entries: readonly Entry[],
): string {
  const items = entries
    .map(
      (e) => `  <entry>
    <id>${esc(`${o.url}/status#update-${e.id}`)}</id>
    <title>${esc(label(e))}</title>
    <updated>${iso(e.at)}</updated>
    <link href="${esc(`${o.url}/status`)}"/>
    <content type="text">${esc(e.body)}</content>
  </entry>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <id>${esc(`${o.url}/status`)}</id>
  <title>${esc(o.title)}</title>
  <updated>${iso(entries[0]?.at ?? o.updated)}</updated>
  <link href="${esc(`${o.url}/status`)}"/>
  <link rel="self" href="${esc(`${o.url}/status/feed.atom`)}"/>
${items}
</feed>
`;
}

export function rssFeed(o: { title: string; url: string }, entries: readonly Entry[]): string {
  const items = entries
    .map(
      (e) => `    <item>
      <guid isPermaLink="false">${esc(`${o.url}/status#update-${e.id}`)}</guid>
      <title>${esc(label(e))}</title>
      <link>${esc(`${o.url}/status`)}</link>
      <pubDate>${new Date(e.at).toUTCString()}</pubDate>
      <description>${esc(e.body)}</description>
    </item>`,
    )
    .join('\n');
  return `<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0">
  <channel>
    <title>${esc(o.title)}</title>
    <link>${esc(`${o.url}/status`)}</link>
    <description>${esc(`Incident updates from ${o.title}`)}</description>
${items}
  </channel>
</rss>
`;
}
