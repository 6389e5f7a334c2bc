import { describe, expect, it } from 'vitest';
import { runPromqlTest } from '../../../src/metrics/promql/promqltest.js';

describe('promqltest runner', () => {
  it('passes, fails and refuses blocks for the right reasons', async () => {
    const r = await runPromqlTest(`
load 1m
  metric{job="a"} 0+10x10
  hist {{schema:0 sum:1 count:1}}x10

eval instant at 5m metric
  metric{job="a"} 50

eval instant at 5m metric
  metric{job="a"} 51

eval range from 0 to 2m step 1m metric * 2
  {job="a"} 0 20 40

eval instant at 5m holt_winters(metric[5m], 0.5, 0.5)
  {job="a"} 1

eval instant at 5m hist

eval instant at 5m rate(metric)
  expect fail

eval instant at 5m sort_desc(metric or vector(100))
  expect ordered
  {} 100
  metric{job="a"} 50
`);
    expect(r.blocks.map((b) => b.status)).toEqual([
      'pass',
      'fail',
      'pass',
      'unsupported',
      'unsupported',
      'pass',
      'pass',
    ]);
    expect(r.blocks[1]!.message).toBe('expected 51 for metric{job="a"} but got 50');
    expect(r.blocks[4]!.message).toMatch(/native histograms/);
    expect([r.passed, r.failed, r.unsupported]).toEqual([4, 1, 2]);
  });

  it('expands the series notation', async () => {
    const r = await runPromqlTest(`
load 10s
  m 1 _ 3 stale 5+5x2 _x2 9x1

eval range from 0 to 90s step 10s m
  m 1 1 3 _ 5 10 15 15 15 9
`);
    expect(r.blocks[0]!.status).toBe('pass');
  });

  it('checks annotations when the script asks', async () => {
    const r = await runPromqlTest(`
load 1m
  gauge 1 2 3

eval instant at 2m rate(gauge[5m])
  expect info
  {} 0.008333333333333333

eval instant at 2m rate(gauge[5m])
  expect no_info
  {} 0.008333333333333333
`);
    expect(r.blocks.map((b) => b.status)).toEqual(['pass', 'fail']);
  });
});
