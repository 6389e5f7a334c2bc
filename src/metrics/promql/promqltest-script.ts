import type { Labels } from '../types.js';
import { parseDurationMs, parseNumber, unquote } from './lexical.js';
import { parseSeriesDesc, type SeqValue, type SeriesDesc } from './series-desc.js';

/**
 * The command language of Prometheus's promqltest (`load`, `clear`, `eval`
 * with expected results and `expect` lines), parsed into plain data. See the
 * README beside the .test files.
 */

export interface LoadCommand {
  kind: 'load';
  line: number;
  intervalMs: number;
  /** `load_with_nhcb`: classic `_bucket` series also become native histograms */
  withNhcb: boolean;
  series: SeriesDesc[];
}

export interface ExpectLine {
  type: 'fail' | 'warn' | 'no_warn' | 'info' | 'no_info' | 'ordered';
  /** exact message (`msg:`) or pattern (`regex:`); neither = anything */
  message?: string;
  regex?: RegExp;
}

export interface EvalCommand {
  kind: 'eval';
  line: number;
  expr: string;
  range?: { start: number; end: number; stepMs: number };
  /** instant queries */
  at: number;
  expects: ExpectLine[];
  /** legacy `eval_fail` / `eval_warn` / `eval_info` / `eval_ordered` */
  legacy?: 'fail' | 'warn' | 'info' | 'ordered';
  expectedFailMessage?: string;
  expectedFailRegexp?: RegExp;
  expectedScalar?: number;
  expectedString?: string;
  /** `expect range vector from … to … step …` for an instant query of a range selector */
  rangeVector?: { start: number; end: number; stepMs: number };
  expected: { labels: Labels; values: SeqValue[]; pos: number }[];
}

export type Command = LoadCommand | { kind: 'clear'; line: number } | EvalCommand;

export class ScriptError extends Error {}

const patLoad = /^load(?:_(with_nhcb))?\s+(.+?)$/;
const patEvalInstant = /^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$/;
const patEvalRange = /^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$/;
const patExpect = /^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$/;
const patExpectRange = /^expect range vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$/;

function duration(text: string, line: number): number {
  const ms = parseDurationMs(text.trim());
  if (ms === undefined) throw new ScriptError(`line ${line}: invalid duration ${JSON.stringify(text)}`);
  return ms;
}

/** Splits a script into commands; comment lines end a block, as in Prometheus. */
export function parseScript(input: string): Command[] {
  const lines = input.split('\n').map((l) => {
    const t = l.trim();
    return t.startsWith('#') ? '' : t;
  });
  const cmds: Command[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === '') continue;
    const word = l.split(/[\t ]+/, 1)[0]!.toLowerCase();
    const block: string[] = [];
    let j = i + 1;
    for (; j < lines.length && lines[j] !== ''; j++) block.push(lines[j]!);
    if (word === 'clear') {
      cmds.push({ kind: 'clear', line: i + 1 });
      continue;
    }
    if (word.startsWith('load')) cmds.push(parseLoad(l, block, i + 1));
    else if (word.startsWith('eval')) cmds.push(parseEval(l, block, i + 1));
    else throw new ScriptError(`line ${i + 1}: invalid command ${JSON.stringify(l)}`);
    i = j - 1;
  }
  return cmds;
}

function parseLoad(head: string, block: string[], line: number): LoadCommand {
  const m = patLoad.exec(head);
  if (!m) throw new ScriptError(`line ${line}: invalid load command`);
  return {
    kind: 'load',
    line,
    intervalMs: duration(m[2]!, line),
    withNhcb: m[1] === 'with_nhcb',
    series: block.map((b) => parseSeriesDesc(b)),
  };
}

function parseEval(head: string, block: string[], line: number): EvalCommand {
  const inst = patEvalInstant.exec(head);
  const rng = inst ? null : patEvalRange.exec(head);
  if (!inst && !rng) throw new ScriptError(`line ${line}: invalid eval command`);
  const cmd: EvalCommand = { kind: 'eval', line, expr: '', at: 0, expects: [], expected: [] };
  if (inst) {
    if (inst[1]) cmd.legacy = inst[1] as EvalCommand['legacy'];
    cmd.at = duration(inst[2] ?? '0', line);
    cmd.expr = inst[3]!;
  } else {
    const r = rng!;
    if (r[1]) cmd.legacy = r[1] as EvalCommand['legacy'];
    cmd.range = { start: duration(r[2]!, line), end: duration(r[3]!, line), stepMs: duration(r[4]!, line) };
    cmd.expr = r[5]!;
  }
  for (const [k, def] of block.entries()) {
    if (cmd.legacy === 'fail' && def.startsWith('expected_fail_message')) {
      cmd.expectedFailMessage = def.slice('expected_fail_message'.length).trim();
      break;
    }
    if (cmd.legacy === 'fail' && def.startsWith('expected_fail_regexp')) {
      cmd.expectedFailRegexp = new RegExp(def.slice('expected_fail_regexp'.length).trim());
      break;
    }
    const rv = patExpectRange.exec(def);
    if (rv) {
      cmd.rangeVector = {
        start: duration(rv[1]!, line),
        end: duration(rv[2]!, line),
        stepMs: duration(rv[3]!, line),
      };
      continue;
    }
    if (def.startsWith('expect string')) {
      const v = unquote(def.slice('expect string'.length).trim());
      if (v === undefined) throw new ScriptError(`line ${line + k + 1}: invalid expect string`);
      cmd.expectedString = v;
      continue;
    }
    if (def.split(' ')[0] === 'expect') {
      const e = patExpect.exec(def);
      if (!e) throw new ScriptError(`line ${line + k + 1}: invalid expect statement`);
      const exp: ExpectLine = { type: e[1] as ExpectLine['type'] };
      if (e[2] === 'msg') exp.message = e[3]!.trim();
      else if (e[2] === 'regex') exp.regex = new RegExp(e[3]!.trim());
      cmd.expects.push(exp);
      continue;
    }
    const n = /^\S+$/.test(def) ? parseNumber(def) : undefined;
    if (n !== undefined) {
      cmd.expectedScalar = n;
      break;
    }
    const desc = parseSeriesDesc(def);
    cmd.expected.push({ labels: desc.labels, values: desc.values, pos: cmd.expected.length + 1 });
  }
  return cmd;
}
