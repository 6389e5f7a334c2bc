// Child process of bench/parse.mjs, started pinned to one core (taskset), so the parse is timed
// without the parent's memory in the same heap. Two modes:
//
//   node bench/parse-run.mjs FILE RUNS [vigil|scan|split]   parse FILE RUNS times in-process; JSON of ms
//   node bench/parse-run.mjs --stdin                   read stdin, parse once, exit 0 (1 on error):
//                                                      the whole-process run timed beside promtool's
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseExposition, scanExposition } from '../dist/metrics/exposition/parse.js';

/**
 * A straightforward parser for comparison: split into lines, one regex per sample line and one
 * per label pair. What a first version usually looks like; it checks far less than Vigil's.
 */
function splitParse(text) {
  const samples = [];
  const line = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?[ \t]+(\S+)(?:[ \t]+(-?\d+))?[ \t]*$/;
  const pair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const l of text.split('\n')) {
    if (l === '' || l.startsWith('#')) continue;
    const m = line.exec(l);
    if (!m) throw new Error(`bad line: ${l}`);
    const labels = {};
    if (m[2]) for (const p of m[2].matchAll(pair)) labels[p[1]] = p[2].replace(/\\(.)/g, '$1');
    samples.push({ name: m[1], labels, value: Number(m[3]), timestampMs: m[4] ? Number(m[4]) : undefined });
  }
  return { samples };
}

if (process.argv[2] === '--stdin') {
  const text = fs.readFileSync(0, 'utf8');
  try {
    const { samples } = parseExposition(text);
    process.stdout.write(`${samples.length}\n`);
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exit(1);
  }
} else {
  const [file, runsArg, which = 'vigil'] = process.argv.slice(2);
  /** Vigil's callback form: each sample handed over, no array built (what the scrape check uses). */
  const scan = (text) => {
    let n = 0;
    scanExposition(text, () => {
      n++;
    });
    return { samples: { length: n } };
  };
  const parse = which === 'split' ? splitParse : which === 'scan' ? scan : parseExposition;
  const t0 = performance.now();
  const text = fs.readFileSync(file, 'utf8');
  const readMs = performance.now() - t0;
  const ms = [];
  let samples = 0;
  for (let r = 0; r < Number(runsArg); r++) {
    const t = performance.now();
    samples = parse(text).samples.length;
    ms.push(performance.now() - t);
  }
  // peak RSS of the whole child (the text, the parser, the last run's result), in KiB
  const rssKiB = process.resourceUsage().maxRSS;
  process.stdout.write(`${JSON.stringify({ which, readMs, ms, samples, chars: text.length, rssKiB })}\n`);
}
