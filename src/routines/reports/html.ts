import type { Report } from '../types.js';
import { escapeHtml as e } from './escape.js';
import { chartSvg } from './svg.js';
import { headlines, signoffLine, statusWord, tally, titleOf, when } from './words.js';

const tone: Record<string, [string, string]> = {
  ok: ['#065f46', '#d1fae5'],
  attention: ['#92400e', '#fef3c7'],
  failed: ['#991b1b', '#fee2e2'],
  skipped: ['#374151', '#e5e7eb'],
  pending: ['#1e40af', '#dbeafe'],
};

const badge = (status: string) => {
  const [fg, bg] = tone[status] ?? tone.skipped!;
  return `<span style="display:inline-block;padding:1px 6px;border-radius:3px;font-size:11px;font-weight:bold;color:${fg};background:${bg}">${e(statusWord[status as keyof typeof statusWord] ?? status)}</span>`;
};

/**
 * The report as one HTML document a mail client shows as it is: inline styles,
 * a single-column table layout, charts as inline SVG, no script, no external asset.
 */
export function renderHtml(r: Report): string {
  const head: string[] = [];
  head.push(`<h1 style="font-size:20px;margin:0 0 4px">${e(titleOf(r))}</h1>`);
  head.push(
    `<p style="color:#555;margin:0 0 16px">${e(`${when(r.period.from)} – ${when(r.period.to)}`)}${r.runId ? ` · run ${e(r.runId)} (${e(r.status)})` : ' · built on demand'} · ${e(tally(r))}</p>`,
  );
  const top = headlines(r);
  if (top.length)
    head.push(
      `<div style="border-left:4px solid #d97706;background:#fffbeb;padding:8px 12px;margin:0 0 12px"><b>Needs a look</b><ul style="margin:4px 0 0;padding-left:18px">${top.map((h) => `<li>${e(h)}</li>`).join('')}</ul></div>`,
    );
  if (r.late.length) {
    head.push('<h2 style="font-size:16px;color:#991b1b">Late sign-offs</h2><ul>');
    for (const l of r.late)
      head.push(
        `<li><b>${e(l.step)}</b> of run ${e(l.runId)} was due ${e(when(l.dueAt))} and is not signed off</li>`,
      );
    head.push('</ul>');
  }
  const rows = r.steps.map((s) => {
    const cell: string[] = [];
    cell.push(`<h2 style="font-size:16px;margin:0 0 4px">${e(s.title)} ${badge(s.status)}</h2>`);
    cell.push(
      `<p style="margin:0 0 6px">${e(s.summary)}${s.reason && s.status !== 'skipped' && !s.summary.includes(s.reason) ? ` <i>(${e(s.reason)})</i>` : ''}</p>`,
    );
    const so = signoffLine(s);
    if (so) cell.push(`<p style="margin:0 0 6px;color:${s.late ? '#991b1b' : '#555'}"><i>${e(so)}</i></p>`);
    if (s.checklist?.length)
      cell.push(
        `<ul style="list-style:none;padding-left:4px">${s.checklist.map((c) => `<li>${s.signedBy ? '☑' : '☐'} ${e(c)}</li>`).join('')}</ul>`,
      );
    if (s.kind === 'command')
      for (const f of s.findings)
        cell.push(
          `<pre style="background:#f3f4f6;padding:8px;font-size:12px;white-space:pre-wrap;overflow-wrap:anywhere">${e(f.text)}</pre>`,
        );
    else if (s.findings.length)
      cell.push(
        `<ul style="margin:0;padding-left:18px">${s.findings.map((f) => `<li style="color:${f.status === 'ok' ? '#111' : tone[f.status]![0]}">${e(f.text)}</li>`).join('')}</ul>`,
      );
    for (const c of s.charts ?? []) {
      const svg = chartSvg(c);
      if (svg)
        cell.push(
          `<div style="margin-top:8px"><div style="font-size:12px;color:#555">${e(c.title)}</div>${svg}</div>`,
        );
    }
    return `<tr><td style="padding:12px 0;border-top:1px solid #e5e7eb">${cell.join('\n')}</td></tr>`;
  });
  const link = r.link
    ? `<tr><td style="padding:12px 0"><a href="${e(r.link)}">Open in Vigil</a></td></tr>`
    : '';
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">',
    `<title>${e(titleOf(r))}</title></head>`,
    '<body style="margin:0;padding:16px;font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;color:#111;background:#fff">',
    '<table role="presentation" width="100%" style="max-width:680px;border-collapse:collapse">',
    `<tr><td>${head.join('\n')}</td></tr>`,
    ...rows,
    link,
    '</table>',
    '</body></html>',
  ].join('\n');
}
