import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unproducedSeries } from '../../src/alerting/unproduced.js';
import type { CheckResult } from '../../src/checks/types.js';
import { parseConfig } from '../../src/config/loader.js';
import { ProbeBuffer } from '../../src/services/probe-buffer.js';
import { probeAlertsGroup } from '../../src/services/setup.js';

const result = (at: number, status: CheckResult['status'] = 'ok'): CheckResult => ({
  check: 'api',
  kind: 'http',
  status,
  message: '',
  startedAt: at,
  durationMs: 5,
  samples: [
    { name: 'up', labels: { check: 'api' }, value: 1 },
    { name: 'http_status_code', labels: { check: 'api' }, value: Number.NaN, stale: true },
  ],
});

describe("a probe agent's disk buffer", () => {
  const root = mkdtempSync(path.join(tmpdir(), 'vigil-probe-buffer-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('keeps results across a restart until acknowledged, numbered in order', () => {
    const dir = path.join(root, 'a');
    const first = new ProbeBuffer(dir);
    for (let t = 1; t <= 5; t++) first.add(result(t * 1000));
    first.ack(2);
    const again = new ProbeBuffer(dir);
    expect(again.agent).toBe(first.agent);
    expect(again.peek(10).map((r) => [r.seq, r.startedAt])).toEqual([
      [3, 3000],
      [4, 4000],
      [5, 5000],
    ]);
    // a staleness marker's NaN travels as null
    expect(again.peek(1)[0]!.samples[1]).toEqual({
      name: 'http_status_code',
      labels: { check: 'api' },
      value: null,
    });
    again.add(result(6000));
    expect(again.peek(10).map((r) => r.seq)).toEqual([3, 4, 5, 6]);
    again.ack(6);
    expect(new ProbeBuffer(dir).size).toBe(0);
    // numbers go on after everything is acknowledged: the server skips numbers it has
    const later = new ProbeBuffer(dir);
    later.add(result(7000));
    expect(later.peek(1)[0]!.seq).toBe(7);
  });

  it('skips a line torn by a crash, and the next line appended is whole', () => {
    const dir = path.join(root, 'b');
    const b = new ProbeBuffer(dir);
    b.add(result(1000));
    appendFileSync(path.join(dir, 'results.jsonl'), '{"seq":2,"check":"api","star');
    const after = new ProbeBuffer(dir);
    after.add(result(3000));
    expect(new ProbeBuffer(dir).peek(10).map((r) => [r.seq, r.startedAt])).toEqual([
      [1, 1000],
      [2, 3000],
    ]);
    expect(readFileSync(path.join(dir, 'results.jsonl'), 'utf8').split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('drops the oldest past its bound, and counts them', () => {
    const b = new ProbeBuffer(path.join(root, 'c'), 100);
    for (let t = 1; t <= 150; t++) b.add(result(t));
    expect(b.size).toBeLessThanOrEqual(100);
    expect(b.dropped + b.size).toBe(150);
    expect(b.peek(1000).at(-1)!.startedAt).toBe(150);
    expect(new ProbeBuffer(path.join(root, 'c'), 100).size).toBe(b.size);
  });

  it('starts afresh from a state file that does not parse', () => {
    const dir = path.join(root, 'd');
    new ProbeBuffer(dir).add(result(1));
    writeFileSync(path.join(dir, 'agent.json'), '{not json');
    expect(new ProbeBuffer(dir).size).toBe(1);
  });
});

describe('the built-in ProbeMissing alert', () => {
  const config = (extra = '') =>
    parseConfig(
      `checks:\n  - name: api\n    http: { url: "http://a.example/" }\n    locations: [local, eu]\n${extra}`,
      'vigil.yaml',
      {},
    );
  it('is added when a check runs elsewhere, unless the config names its own', () => {
    const group = probeAlertsGroup(config());
    expect(group?.name).toBe('probes');
    expect(group?.rules.map((r) => r.name)).toEqual(['ProbeMissing']);
    // vigil validate knows these series exist: no "nothing produces" warning
    expect(unproducedSeries(config().config, [group!])).toEqual([]);
    expect(
      probeAlertsGroup(config('alerts:\n  - { name: ProbeMissing, condition: probe_missing > 0 }\n')),
    ).toBe(undefined);
    expect(
      probeAlertsGroup(parseConfig('checks:\n  - { name: x, host: {}, locations: [local] }\n', 'v.yaml', {})),
    ).toBe(undefined);
  });
});
