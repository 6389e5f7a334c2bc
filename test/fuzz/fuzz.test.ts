import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type FuzzTarget, targets } from './targets.js';

/**
 * Property-based fuzzing of every parser and reader that takes input from
 * outside: only the entry point's own error type may come out, and each input
 * finishes within the target's bound. `npm test` runs a few hundred inputs per
 * target; `npm run fuzz` (FUZZ_RUNS, FUZZ_SEED) runs many more and adds every
 * crasher to test/fuzz/corpus/<target>.json, which every run replays first.
 */
const runs = Number(process.env.FUZZ_RUNS ?? 150);
const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const save = process.env.FUZZ_SAVE === '1';

interface CorpusEntry {
  input: string;
  /** what it once did, so the case stays readable */
  why: string;
}

const corpusFile = (name: string) => new URL(`./corpus/${name}.json`, import.meta.url);

function corpus(name: string): CorpusEntry[] {
  const file = corpusFile(name);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as CorpusEntry[]) : [];
}

/** Runs one input; returns why it is a crash, or undefined. */
async function crash(t: FuzzTarget, input: string): Promise<string | undefined> {
  const started = performance.now();
  try {
    await t.run(input);
  } catch (e) {
    if (!t.allowed(e))
      return `threw ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`;
  }
  const ms = performance.now() - started;
  return ms > t.boundMs ? `took ${Math.round(ms)} ms, more than ${t.boundMs} ms` : undefined;
}

for (const t of targets) {
  describe(`fuzz ${t.name}`, () => {
    it('replays the regression corpus', async () => {
      for (const c of corpus(t.name)) {
        expect([c.why, await crash(t, c.input)]).toEqual([c.why, undefined]);
      }
    }, 60_000);

    it(
      `survives ${runs} generated inputs`,
      async () => {
        let count = 0;
        const result = await fc.check(
          fc.asyncProperty(t.arbitrary, async (input) => {
            count++;
            const why = await crash(t, input);
            if (why) throw new Error(why);
          }),
          { numRuns: runs, ...(seed === undefined ? {} : { seed }) },
        );
        const crashes = result.failed ? 1 : 0;
        process.stdout.write(`fuzz ${t.name}: ${count} inputs run, ${crashes} crashes\n`);
        if (result.failed && save) {
          const input = result.counterexample![0] as string;
          const entries = corpus(t.name);
          entries.push({ input, why: String((result.errorInstance as Error)?.message) });
          writeFileSync(corpusFile(t.name), `${JSON.stringify(entries, null, 2)}\n`);
        }
        expect(result.failed ? fc.defaultReportMessage(result) : undefined).toBeUndefined();
      },
      Math.max(120_000, runs * 200),
    );
  });
}
