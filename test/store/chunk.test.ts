import { describe, expect, it } from 'vitest';
import { chunk } from '../../src/store/chunk.js';

const rows = (n: number) => Array.from({ length: n }, (_, i) => i);
const sizes = (parts: number[][]) => parts.map((p) => p.length);

describe('chunk', () => {
  it('cuts at the parameter limit where statements are not kept (PostgreSQL)', () => {
    expect(sizes(chunk(rows(10), 1, { maxParams: 4, keepsStatements: false }))).toEqual([4, 4, 2]);
    expect(sizes(chunk(rows(10), 3, { maxParams: 10, keepsStatements: false }))).toEqual([3, 3, 3, 1]);
  });

  it('cuts into powers of two where every SQL text is kept (SQLite): 300 rows go as 256 + 32 + 8 + 4', () => {
    expect(sizes(chunk(rows(300), 1, { maxParams: 1000, keepsStatements: true }))).toEqual([256, 32, 8, 4]);
    // a limit that is not a power of two: the largest piece is the power of two below it
    expect(sizes(chunk(rows(300), 1, { maxParams: 100, keepsStatements: true }))).toEqual([
      64, 64, 64, 64, 32, 8, 4,
    ]);
  });

  it('keeps every row once, in order, and a statement shape to a few sizes however long the lists', () => {
    const seen = new Set<number>();
    const d = { maxParams: 32_000, keepsStatements: true };
    for (let n = 0; n <= 3000; n++) {
      const parts = chunk(rows(n), 7, d);
      expect(parts.flat()).toEqual(rows(n));
      for (const p of parts) {
        expect(p.length * 7).toBeLessThanOrEqual(d.maxParams);
        seen.add(p.length);
      }
    }
    // 3,001 list lengths, 12 statement sizes (1, 2, 4, … 2,048)
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => 2 ** i));
  });
});
