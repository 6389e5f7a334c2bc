import type { SampleMeta } from '../../checks/types.js';
import type { FamilyMetadata } from './parse.js';

const kept: Readonly<Record<string, SampleMeta['type'] | undefined>> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  summary: 'summary',
  unknown: 'unknown',
};

/** The series names a family of each type writes, besides its own name. */
const suffixes: Readonly<Record<string, readonly string[]>> = {
  histogram: ['_bucket', '_sum', '_count', '_created'],
  summary: ['_sum', '_count', '_created'],
};

/**
 * Finds each sample's family in what the exposition's TYPE and HELP lines
 * said, so the samples can be exposed again as the target exposed them:
 * a counter stays a counter, a histogram one family. Types that the 0.0.4
 * text format cannot say (OpenMetrics' info, stateset, gaugehistogram) are
 * left out, and their samples are exposed as Vigil's own.
 *
 * @example
 *   familyResolver(families)('latency_seconds_bucket') // { type: 'histogram', family: 'latency_seconds', … }
 */
export function familyResolver(
  families: ReadonlyMap<string, FamilyMetadata>,
): (sampleName: string) => SampleMeta | undefined {
  const metas = new Map<string, SampleMeta>();
  for (const [name, f] of families) {
    const type = kept[f.type];
    if (!type) continue;
    const help = f.help === undefined ? {} : { help: f.help };
    metas.set(name, { type, family: name, ...help });
    // OpenMetrics names a counter `x` and its sample `x_total`; text 0.0.4 names both `x_total`.
    if (type === 'counter' && !name.endsWith('_total')) {
      metas.set(`${name}_total`, { type, family: `${name}_total`, ...help });
    }
  }
  return (sampleName) => {
    const own = metas.get(sampleName);
    if (own) return own;
    for (const [type, list] of Object.entries(suffixes)) {
      for (const suffix of list) {
        if (!sampleName.endsWith(suffix)) continue;
        const meta = metas.get(sampleName.slice(0, -suffix.length));
        if (meta?.type === type) return meta;
      }
    }
    return undefined;
  };
}
