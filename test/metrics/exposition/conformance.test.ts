import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseExposition } from '../../../src/metrics/exposition/parse.js';
import { formatExposition } from './format.js';

// Prometheus's own test exposition for `promtool check metrics`, laid out in shared/ when present.
const here = path.dirname(fileURLToPath(import.meta.url));
const file = path.resolve(
  here,
  '../../../../shared/conformance/prometheus-v3.14.0/promtool/metrics-test.prom',
);
const present = fs.existsSync(file);
if (!present) console.warn(`conformance: ${file} is absent; skipping the promtool round trip`);

describe.skipIf(!present)('promtool metrics-test.prom', () => {
  it('reads every sample line, and reads the same after writing it back', () => {
    const text = fs.readFileSync(file, 'utf8');
    const first = parseExposition(text);
    const sampleLines = text.split('\n').filter((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
    expect(first.samples).toHaveLength(sampleLines.length);
    expect(first.families.size).toBeGreaterThan(0);

    const again = parseExposition(formatExposition(first));
    expect(again.samples).toEqual(first.samples);
    expect(again.families).toEqual(first.families);
  });
});
