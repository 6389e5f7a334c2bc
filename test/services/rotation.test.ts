import { mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { nextDue } from '../../src/core/schedule.js';
import { type rotateAll, startRotation } from '../../src/services/rotation.js';

type Pass = Awaited<ReturnType<typeof rotateAll>>;

describe('the daemon’s rotation loop', () => {
  it('rotates what is due on its timer, records it, and does not rotate it again the same day', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-rotation-loop-'));
    const file = path.join(dir, 'app.log');
    writeFileSync(file, 'yesterday\n');
    const t0 = new Date(2026, 10, 27, 9, 0, 0).getTime();
    utimesSync(file, (t0 - 86_400_000) / 1000, (t0 - 86_400_000) / 1000);
    const { config } = parseConfig(
      `logs:\n  - path: ${dir}/*.log\n    rotate: { when: daily, keep: 3 }\n`,
      'vigil.yaml',
      {},
    );
    const clock = new FakeClock(t0);
    const saved = new Map<string, unknown>();
    const passes: Pass[] = [];
    let waiting: ((p: Pass) => void) | undefined;
    const nextPass = () => new Promise<Pass>((r) => (waiting = r));
    const loop = startRotation({
      clock,
      entries: () => config.logs,
      store: { get: async (_o, k) => saved.get(k), set: async (_o, k, v) => void saved.set(k, v) },
      log: { info: () => {}, error: () => {} },
      onPass: (p) => {
        passes.push(p);
        waiting?.(p);
      },
    });
    try {
      let pass = nextPass();
      await clock.advance(5 * 60_000);
      let p = await pass;
      expect(p.errors).toEqual([]);
      expect(p.results[0]).toMatchObject({ file, rotated: true });
      expect(readdirSync(dir).sort()).toEqual(['app.log', 'app.log.1']);
      // the pass runs at the rotation job's slot within its 5-minute interval
      expect(saved.get(file)).toEqual({
        at: nextDue({ type: 'every', everyMs: 5 * 60_000 }, 'housekeeping', t0),
      });
      pass = nextPass();
      await clock.advance(5 * 60_000);
      p = await pass;
      expect(p.results[0]).toMatchObject({ rotated: false, reason: 'not yet daily' });
    } finally {
      await loop.stop();
    }
  });
});
