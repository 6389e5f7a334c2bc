/**
 * The part of Go's text/template that Prometheus alert labels and annotations
 * use: `{{ $labels.instance }}`, `{{ $value | humanize }}`,
 * `{{ printf "%.2f" $value }}`, `{{ if gt $value 0.9 }}…{{ else }}…{{ end }}`
 * and `{{- -}}` trimming. Rule files written for Prometheus must expand the same
 * way here, and no maintained JavaScript library implements Go template syntax,
 * so this small interpreter is written by hand. Parsed once at load, so a
 * template that does not parse is a config error before anything runs.
 */

import { RE2JS } from 're2js';

export interface TemplateData {
  labels: Readonly<Record<string, string>>;
  externalLabels?: Readonly<Record<string, string>>;
  value: number;
}

type Node =
  | { type: 'text'; text: string }
  | { type: 'action'; pipeline: Command[] }
  | { type: 'if'; cond: Command[]; yes: Node[]; no: Node[] };

type Arg =
  | { type: 'var'; path: string[] }
  | { type: 'string'; value: string }
  | { type: 'number'; value: number }
  | { type: 'call'; name: string; args: Arg[] };

type Command = { name?: string; args: Arg[] };

export class TemplateError extends Error {}

export interface Template {
  source: string;
  expand(data: TemplateData): string;
}

export function compileTemplate(source: string): Template {
  if (!source.includes('{{')) return { source, expand: () => source };
  const nodes = parse(source);
  return { source, expand: (data) => render(nodes, data) };
}

function parse(source: string): Node[] {
  const tokens: ({ type: 'text'; text: string } | { type: 'action'; body: string })[] = [];
  let i = 0;
  while (i < source.length) {
    const open = source.indexOf('{{', i);
    if (open < 0) {
      tokens.push({ type: 'text', text: source.slice(i) });
      break;
    }
    let text = source.slice(i, open);
    let bodyStart = open + 2;
    if (source[bodyStart] === '-' && /\s/.test(source[bodyStart + 1] ?? '')) {
      text = text.trimEnd();
      bodyStart++;
    }
    const close = findClose(source, bodyStart);
    if (close < 0) throw new TemplateError(`unclosed action at offset ${open}`);
    let body = source.slice(bodyStart, close);
    let next = close + 2;
    if (body.endsWith(' -') || body.endsWith('\t-') || body.endsWith('\n-')) {
      body = body.slice(0, -1);
      while (next < source.length && /\s/.test(source[next]!)) next++;
    }
    if (text) tokens.push({ type: 'text', text });
    const trimmed = body.trim();
    if (!trimmed.startsWith('/*')) tokens.push({ type: 'action', body: trimmed });
    i = next;
  }

  let pos = 0;
  const block = (stopAt: string[]): { nodes: Node[]; stop?: string } => {
    const nodes: Node[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos++]!;
      if (t.type === 'text') {
        nodes.push(t);
        continue;
      }
      const word = t.body.split(/\s+/)[0]!;
      if (stopAt.includes(word)) return { nodes, stop: word };
      if (word === 'if') {
        const cond = parsePipeline(t.body.slice(2));
        const then = block(['else', 'end']);
        const otherwise = then.stop === 'else' ? block(['end']) : { nodes: [], stop: 'end' };
        if (otherwise.stop !== 'end') throw new TemplateError('{{if}} without {{end}}');
        nodes.push({ type: 'if', cond, yes: then.nodes, no: otherwise.nodes });
        continue;
      }
      if (['range', 'with', 'define', 'template', 'block', 'end', 'else'].includes(word)) {
        throw new TemplateError(`{{${word}}} is not supported in Vigil alert templates`);
      }
      nodes.push({ type: 'action', pipeline: parsePipeline(t.body) });
    }
    if (stopAt.length) throw new TemplateError(`missing {{${stopAt.at(-1)}}}`);
    return { nodes };
  };
  return block([]).nodes;
}

function findClose(s: string, from: number): number {
  let inString: string | undefined;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (inString) {
      if (c === '\\' && inString === '"') i++;
      else if (c === inString) inString = undefined;
    } else if (c === '"' || c === '`') inString = c;
    else if (c === '}' && s[i + 1] === '}') return i;
  }
  return -1;
}

function parsePipeline(body: string): Command[] {
  const words = tokenize(body);
  if (!words.length) throw new TemplateError('empty action {{ }}');
  const commands: Command[] = [];
  let current: string[] = [];
  for (const w of [...words, '|']) {
    if (w === '|') {
      if (!current.length) throw new TemplateError(`empty command in pipeline "${body.trim()}"`);
      const [head, ...rest] = current;
      const args = rest.map(parseArg);
      commands.push(functions[head!] ? { name: head!, args } : { args: [parseArg(head!), ...args] });
      current = [];
    } else current.push(w);
  }
  for (const c of commands) {
    if (!c.name && c.args.length > 1)
      throw new TemplateError(`"${body.trim()}": expected a function before arguments`);
  }
  return commands;
}

function tokenize(body: string): string[] {
  const out: string[] = [];
  const re = /\s*("(?:\\.|[^"\\])*"|`[^`]*`|\||\(|\)|[^\s|()]+)/y;
  let end = 0;
  for (;;) {
    re.lastIndex = end;
    const m = re.exec(body);
    if (!m) break;
    out.push(m[1]!);
    end = re.lastIndex;
  }
  if (body.slice(end).trim()) throw new TemplateError(`cannot parse "${body.trim()}"`);
  if (out.includes('(') || out.includes(')'))
    throw new TemplateError('parentheses in templates are not supported');
  return out;
}

function parseArg(word: string): Arg {
  if (word.startsWith('"')) return { type: 'string', value: JSON.parse(word) as string };
  if (word.startsWith('`')) return { type: 'string', value: word.slice(1, -1) };
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(word)) return { type: 'number', value: Number(word) };
  const variable = /^(\$[A-Za-z_]\w*|\$|\.[A-Za-z_]\w*)((?:\.[A-Za-z_]\w*)*)$/.exec(word);
  if (variable || word === '.') {
    const root = variable ? variable[1]! : '.';
    const rest = variable?.[2] ? variable[2].slice(1).split('.') : [];
    const known = ['$labels', '$value', '$externalLabels', '$', '.', '.Labels', '.Value', '.ExternalLabels'];
    if (!known.includes(root)) throw new TemplateError(`undefined variable "${root}"`);
    return { type: 'var', path: [root, ...rest] };
  }
  if (functions[word]) return { type: 'call', name: word, args: [] };
  throw new TemplateError(`function "${word}" not defined`);
}

function render(nodes: Node[], data: TemplateData): string {
  let out = '';
  for (const n of nodes) {
    if (n.type === 'text') out += n.text;
    else if (n.type === 'action') out += show(runPipeline(n.pipeline, data));
    else out += render(truthy(runPipeline(n.cond, data)) ? n.yes : n.no, data);
  }
  return out;
}

function runPipeline(pipeline: Command[], data: TemplateData): unknown {
  let value: unknown;
  pipeline.forEach((cmd, i) => {
    const args = cmd.args.map((a) => evalArg(a, data));
    if (i > 0) args.push(value);
    value = cmd.name ? call(cmd.name, args) : args[0];
  });
  return value;
}

function evalArg(a: Arg, data: TemplateData): unknown {
  switch (a.type) {
    case 'string':
    case 'number':
      return a.value;
    case 'call':
      return call(a.name, []);
    case 'var': {
      const [root, ...rest] = a.path;
      let v: unknown;
      if (root === '$labels' || root === '.Labels') v = data.labels;
      else if (root === '$externalLabels' || root === '.ExternalLabels') v = data.externalLabels ?? {};
      else if (root === '$value' || root === '.Value') v = data.value;
      else v = { Labels: data.labels, Value: data.value, ExternalLabels: data.externalLabels ?? {} };
      for (const key of rest)
        v = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
      // $labels is a map[string]string in Prometheus: a missing label is the empty string.
      return v === undefined ? '' : v;
    }
  }
}

function call(name: string, args: unknown[]): unknown {
  const fn = functions[name];
  if (!fn) throw new TemplateError(`function "${name}" not defined`);
  return fn(...args);
}

function truthy(v: unknown): boolean {
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v !== '';
  if (v && typeof v === 'object') return Object.keys(v).length > 0;
  return Boolean(v);
}

function show(v: unknown): string {
  if (typeof v === 'number') return formatFloat(v);
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, string>).sort(([a], [b]) => a.localeCompare(b));
    return `map[${entries.map(([k, x]) => `${k}:${x}`).join(' ')}]`;
  }
  return String(v);
}

/** Go's %v for float64: shortest representation, exponent for large/small magnitudes. */
function formatFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e21)) {
    const [m, e] = v.toExponential().split('e') as [string, string];
    const exp = Number(e);
    return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(v);
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

const functions: Record<string, (...args: unknown[]) => unknown> = {
  humanize: (v) =>
    humanize(
      num(v),
      1000,
      ['', 'k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'],
      ['', 'm', 'u', 'n', 'p', 'f', 'a', 'z', 'y'],
    ),
  humanize1024: (v) => humanize(num(v), 1024, ['', 'ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi'], ['']),
  humanizePercentage: (v) => `${sig4(num(v) * 100)}%`,
  humanizeDuration: (v) => humanizeDuration(num(v)),
  // Go's Time.String(): the fraction of a second without trailing zeros, none when whole.
  humanizeTimestamp: (v) =>
    new Date(num(v) * 1000)
      .toISOString()
      .replace('T', ' ')
      .replace(/\.?0*Z$/, ' +0000 UTC'),
  toUpper: (v) => String(v).toUpperCase(),
  toLower: (v) => String(v).toLowerCase(),
  title: (v) => String(v).replace(/\b\w/g, (c) => c.toUpperCase()),
  // RE2, as in Prometheus's templates: linear time whatever the pattern.
  reReplaceAll: (pattern, repl, text) =>
    RE2JS.compile(String(pattern)).matcher(String(text)).replaceAll(String(repl)),
  printf: (format, ...args) => printf(String(format), args),
  eq: (a, b) => a === b,
  ne: (a, b) => a !== b,
  gt: (a, b) => num(a) > num(b),
  ge: (a, b) => num(a) >= num(b),
  lt: (a, b) => num(a) < num(b),
  le: (a, b) => num(a) <= num(b),
  not: (a) => !truthy(a),
  and: (a, b) => (truthy(a) ? b : a),
  or: (a, b) => (truthy(a) ? a : b),
  len: (a) => (typeof a === 'string' ? a.length : a && typeof a === 'object' ? Object.keys(a).length : 0),
  index: (m, k) => (m as Record<string, unknown>)?.[String(k)] ?? '',
};

function sig4(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(4))) : formatFloat(v);
}

function humanize(v: number, base: number, big: string[], small: string[]): string {
  if (v === 0 || !Number.isFinite(v)) return formatFloat(v);
  let x = v;
  let i = 0;
  if (Math.abs(x) >= 1) {
    while (Math.abs(x) >= base && i < big.length - 1) {
      x /= base;
      i++;
    }
    return `${sig4(x)}${big[i]}`;
  }
  while (Math.abs(x) < 1 && i < small.length - 1) {
    x *= base;
    i++;
  }
  return `${sig4(x)}${small[i]}`;
}

function humanizeDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return formatFloat(seconds);
  if (Math.abs(seconds) < 1) {
    if (seconds === 0) return '0s';
    return humanize(seconds, 1000, [''], ['', 'm', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) + 's';
  }
  const sign = seconds < 0 ? '-' : '';
  let s = Math.abs(seconds);
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const sec = `${sig4(s)}s`;
  if (d) return `${sign}${d}d ${h}h ${m}m ${sec}`;
  if (h) return `${sign}${h}h ${m}m ${sec}`;
  if (m) return `${sign}${m}m ${sec}`;
  return `${sign}${sec}`;
}

function printf(format: string, args: unknown[]): string {
  let i = 0;
  return format.replace(
    /%([-+ 0#]*)(\d+)?(?:\.(\d+))?([vsdfgeqx%])/g,
    (_m, _flags, width, prec, verb: string) => {
      if (verb === '%') return '%';
      const a = args[i++];
      let out: string;
      switch (verb) {
        case 'd':
          out = String(Math.trunc(num(a)));
          break;
        case 'f':
          out = num(a).toFixed(prec === undefined ? 6 : Math.min(Number(prec), 100));
          break;
        case 'e':
          out = num(a).toExponential(prec === undefined ? 6 : Math.min(Number(prec), 100));
          break;
        case 'g':
          out =
            prec === undefined
              ? formatFloat(num(a))
              : String(Number(num(a).toPrecision(Math.max(1, Math.min(Number(prec), 100)))));
          break;
        case 'q':
          out = JSON.stringify(String(a));
          break;
        case 'x':
          out = Math.trunc(num(a)).toString(16);
          break;
        default:
          out = show(a);
      }
      // A width is for aligning columns; `%999999999d` must not allocate a gigabyte.
      return width ? out.padStart(Math.min(Number(width), 1024)) : out;
    },
  );
}
