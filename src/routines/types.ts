import type { StepStatus } from '../store/routines.js';

export type { StepStatus };

/** One line of a section: a fact with its own status, e.g. "api: ok → critical". */
export interface Finding {
  status: StepStatus;
  text: string;
}

/** A small chart a report draws inline (SVG): bars per day, or a line per day. */
export interface Chart {
  title: string;
  kind: 'bars' | 'line';
  /** the value axis: a ratio drawn as %, or milliseconds */
  unit: 'ratio' | 'ms';
  /** e.g. the SLO on an availability chart */
  target?: number;
  series: { name: string; points: { t: number; v: number | null }[] }[];
}

/** What a step produced: one section of the report. */
export interface Section {
  status: StepStatus;
  /** the step's heading; the runner sets it from the kind */
  title?: string;
  /** why the step was skipped or failed */
  reason?: string;
  /** one sentence a reader takes away */
  summary: string;
  findings: Finding[];
  charts?: Chart[];
  /** manual steps: the items a person ticks */
  checklist?: string[];
  /** facts the next run compares against (e.g. each check's status) */
  state?: Record<string, unknown>;
  /**
   * The step's figures for alert rules (`os_security_updates_pending > 0`): the routine service
   * records the newest run's series, labelled with the routine and the step, until the next run.
   */
  series?: StepSeries[];
}

/** One figure of a step, recorded as a series with the routine's and step's labels added. */
export interface StepSeries {
  name: string;
  labels?: Record<string, string>;
  value: number;
}

/** A section as it appears in a report, with the step's name and its sign-off. */
export interface ReportStep extends Section {
  title: string;
  name: string;
  kind: string;
  dueAt: number | null;
  signedBy: string | null;
  signedAt: number | null;
  note: string | null;
  late: boolean;
}

export interface Report {
  routine: string;
  /** absent for a report built on demand */
  runId?: string;
  generatedAt: number;
  period: { from: number; to: number };
  status: 'open' | 'done' | 'on-demand';
  /** the worst status of any step */
  overall: StepStatus;
  steps: ReportStep[];
  /** manual steps of earlier runs still not signed off after their due time */
  late: { runId: string; routine: string; step: string; dueAt: number }[];
  link?: string;
}

const rank: Record<StepStatus, number> = { ok: 0, skipped: 1, pending: 2, attention: 3, failed: 4 };

export function worst(statuses: readonly StepStatus[]): StepStatus {
  return statuses.reduce<StepStatus>((a, b) => (rank[b] > rank[a] ? b : a), 'ok');
}
