import path from 'node:path';
import { z } from 'zod';
import { duration } from '../../config/types.js';
import { describe } from '../../errors.js';
import { type Cycle, cycleOf, displayName, installedVersion, readCycles } from '../../updates/eol.js';
import { exec } from '../../updates/exec.js';
import type { Finding, StepSeries } from '../types.js';
import { day, type StepKind } from './types.js';

const product = z.union([
  z
    .string()
    .min(1)
    .transform((p) => ({ product: p }) as { product: string; version?: string; command?: string[] }),
  z.strictObject({
    /** the endoflife.date product name: nodejs, postgresql, nginx, python … */
    product: z.string().min(1),
    /** the version in use; else asked from `command` or the product's usual one (node --version …) */
    version: z.coerce.string().optional(),
    command: z.array(z.string().min(1)).min(1).optional(),
  }),
]);

const schema = z.strictObject({
  /** a folder of `<product>.json` (what `vigil eol update` writes) or one JSON file of them */
  file: z.string().min(1).default('eol'),
  products: z.array(product).min(1),
  /** an end of support within this needs attention */
  within: duration({ min: day }).prefault('180d'),
});

const dateOf = (eol: Cycle['eol']) => (typeof eol === 'string' ? Date.parse(`${eol}T00:00:00Z`) : Number.NaN);

/**
 * The runtimes and tools a team names, against their end-of-life dates: "PostgreSQL 15 ends
 * support on 2027-11-11". The dates come from a file the team keeps or downloads.
 */
export const endOfLife: StepKind<z.output<typeof schema>> = {
  schema,
  title: () => 'End of life',
  series: {
    end_of_life_timestamp_seconds: {
      help: 'When the release cycle in use ends support (0: ended, date unknown)',
      labels: ['product', 'cycle'],
    },
  },
  async run(spec, ctx) {
    const source = path.resolve(ctx.baseDir, spec.file);
    const findings: Finding[] = [];
    // when each product's release cycle ends support (0: ended, date unknown); none while it has no date
    const series: StepSeries[] = [];
    let problems = 0;
    for (const p of spec.products) {
      const name = displayName(p.product);
      let cycles: Cycle[];
      try {
        cycles = await readCycles(source, p.product);
      } catch (e) {
        problems++;
        findings.push({ status: 'failed', text: `${name}: ${describe(e)}` });
        continue;
      }
      const got = p.version ? { version: p.version } : await installedVersion(exec, p.product, p.command);
      if (!got.version) {
        problems++;
        findings.push({ status: 'failed', text: `${name}: version unknown: ${got.error}` });
        continue;
      }
      const c = cycleOf(cycles, got.version);
      if (!c) {
        findings.push({
          status: 'attention',
          text: `${name} ${got.version}: no such release cycle in the end-of-life data`,
        });
        continue;
      }
      const latest =
        c.latest && c.latest !== got.version ? ` (${got.version} in use, latest ${c.latest})` : '';
      const at = dateOf(c.eol);
      const labels = { product: p.product, cycle: String(c.cycle) };
      if (c.eol === true) series.push({ name: 'end_of_life_timestamp_seconds', labels, value: 0 });
      else if (Number.isFinite(at))
        series.push({ name: 'end_of_life_timestamp_seconds', labels, value: at / 1000 });
      if (c.eol === false)
        findings.push({ status: 'ok', text: `${name} ${c.cycle} has no end-of-life date yet${latest}` });
      else if (c.eol === true || (Number.isFinite(at) && at <= ctx.now))
        findings.push({
          status: 'attention',
          text: `${name} ${c.cycle} ended support${typeof c.eol === 'string' ? ` on ${c.eol}` : ''}${latest}`,
        });
      else if (Number.isFinite(at))
        findings.push({
          status: at - ctx.now <= spec.within ? 'attention' : 'ok',
          text: `${name} ${c.cycle} ends support on ${c.eol}, in ${Math.floor((at - ctx.now) / day)} days${latest}`,
        });
      else
        findings.push({
          status: 'attention',
          text: `${name} ${c.cycle}: end-of-life "${String(c.eol)}" is not a date`,
        });
    }
    const soon = findings.filter((f) => f.status === 'attention');
    const ended = soon.filter((f) => f.text.includes('ended support'));
    return {
      status: problems ? 'failed' : soon.length ? 'attention' : 'ok',
      ...(problems ? { reason: `${problems} product(s) could not be checked` } : {}),
      summary: soon.length
        ? soon.map((f) => f.text.replace(/, in \d+ days/, '').replace(/ \(.*\)$/, '')).join('; ')
        : problems
          ? `${problems} of ${spec.products.length} products could not be checked`
          : `nothing ends support within ${Math.round(spec.within / day)} days`,
      findings,
      state: { ended: ended.length, soon: soon.length },
      series,
    };
  },
};
