import type { Report, ReportStep, StepStatus } from '../types.js';

export const statusWord: Record<StepStatus, string> = {
  ok: 'OK',
  attention: 'NEEDS ATTENTION',
  failed: 'FAILED',
  skipped: 'SKIPPED',
  pending: 'AWAITING SIGN-OFF',
};

export const when = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

export function titleOf(r: Report): string {
  return `Vigil ${r.routine} report, ${when(r.period.from)} – ${when(r.period.to)}: ${statusWord[r.overall].toLowerCase()}`;
}

/** The line under a step's heading about its sign-off. */
export function signoffLine(s: ReportStep): string | undefined {
  if (s.kind !== 'manual') return undefined;
  if (s.signedBy)
    return `Signed off by ${s.signedBy} at ${when(s.signedAt!)}${s.late ? ' (late)' : ''}${s.note ? `: ${s.note}` : ''}`;
  return `Not signed off yet${s.dueAt ? `; due ${when(s.dueAt)}` : ''}${s.late ? ' — LATE' : ''}`;
}

/** Counts per status, e.g. "7 ok, 2 need attention, 1 awaiting sign-off". */
export function tally(r: Report): string {
  const n = (st: StepStatus) => r.steps.filter((s) => s.status === st).length;
  const parts = [
    n('ok') && `${n('ok')} ok`,
    n('attention') && `${n('attention')} need${n('attention') === 1 ? 's' : ''} attention`,
    n('failed') && `${n('failed')} failed`,
    n('pending') && `${n('pending')} awaiting sign-off`,
    n('skipped') && `${n('skipped')} skipped`,
  ].filter(Boolean);
  return parts.join(', ');
}

/** The steps a reader must look at first, one line each. */
export function headlines(r: Report): string[] {
  return [
    ...r.steps
      .filter((x) => x.status === 'failed' || x.status === 'attention')
      .map((s) => `${s.title}: ${s.summary}`),
    ...r.late.map((l) => `Late sign-off: ${l.step} of ${l.runId} (due ${when(l.dueAt)})`),
  ];
}

/** A short text for chat: the headline, what needs a look, and a link. */
export function summaryText(r: Report): string {
  return [`${r.steps.length} steps: ${tally(r)}.`, ...headlines(r).map((h) => `• ${h}`)].join('\n');
}
