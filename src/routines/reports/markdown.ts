import type { Report } from '../types.js';
import { headlines, signoffLine, statusWord, tally, titleOf, when } from './words.js';

const mark: Record<string, string> = { ok: '✅', attention: '⚠️', failed: '❌', skipped: '⏭️', pending: '✍️' };

/** The report as Markdown: for the terminal, a wiki page or a pull request. */
export function renderMarkdown(r: Report): string {
  const out: string[] = [`# ${titleOf(r)}`, ''];
  out.push(
    `Period ${when(r.period.from)} – ${when(r.period.to)}${r.runId ? ` · run ${r.runId} (${r.status})` : ' · built on demand'} · ${tally(r)}`,
    '',
  );
  const top = headlines(r);
  if (top.length) {
    out.push('**Needs a look**', '');
    for (const h of top) out.push(`- ${h}`);
    out.push('');
  }
  if (r.late.length) {
    out.push('## Late sign-offs', '');
    for (const l of r.late)
      out.push(`- ⏰ **${l.step}** of run ${l.runId} was due ${when(l.dueAt)} and is not signed off`);
    out.push('');
  }
  for (const s of r.steps) {
    out.push(`## ${mark[s.status]} ${s.title} — ${statusWord[s.status]}`, '');
    out.push(
      s.reason && s.status !== 'skipped' && !s.summary.includes(s.reason)
        ? `${s.summary} (${s.reason})`
        : s.summary,
      '',
    );
    const so = signoffLine(s);
    if (so) out.push(`_${so}_`, '');
    for (const c of s.checklist ?? []) out.push(`- [${s.signedBy ? 'x' : ' '}] ${c}`);
    if (s.checklist?.length) out.push('');
    if (s.kind === 'command') {
      for (const f of s.findings) out.push('```', f.text, '```', '');
      continue;
    }
    for (const f of s.findings) out.push(`- ${f.status === 'ok' ? '' : `${mark[f.status]} `}${f.text}`);
    if (s.findings.length) out.push('');
  }
  if (r.link) out.push(`[Open in Vigil](${r.link})`, '');
  return out.join('\n');
}
