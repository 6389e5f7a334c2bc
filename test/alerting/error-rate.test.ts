import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { guideAlertsGroup } from '../../src/alerting/compile.js';
import type { RuleTransition } from '../../src/alerting/group.js';
import { logCheck } from '../../src/checks/log.js';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { RuleService } from '../../src/services/rules.js';
import { openStore } from '../../src/store/store.js';
import { makeCtx } from '../checks/ctx.js';

const start = Date.UTC(2026, 10, 27, 8, 0, 0);

describe('the guide’s error_rate > 5% on a followed log', () => {
  it('fires, as written and as the PromQL ratio over the rule’s window', async () => {
    const config = parseConfig(
      [
        'evaluation_interval: 15s',
        'alerts:',
        '  - { name: HighErrorRate, condition: error_rate > 5%, duration: 1m, severity: warning }',
        '  - name: HighErrorRateWindow',
        '    condition: sum by (file) (rate(log_matches_total{level=~"error|fatal"}[1m])) / sum by (file) (rate(log_lines_total[1m])) > 5%',
        '    duration: 1m',
        '    severity: warning',
        '',
      ].join('\n'),
      'vigil.yaml',
      {},
    );
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-error-rate-'));
    const file = path.join(dir, 'app.log');
    writeFileSync(file, '');
    const spec = logCheck.schema.parse({ path: file, from: 'start' });
    const ctx = makeCtx();
    const store = await openStore('sqlite::memory:');
    // every 15 s, 100 new lines of which 8 are errors: an error rate of 8%
    for (let t = 0; t <= 180_000; t += 15_000) {
      let chunk = '';
      for (let i = 0; i < 100; i++) chunk += `${i < 8 ? 'ERROR' : 'INFO'} request ${t + i}\n`;
      appendFileSync(file, chunk);
      const r = await logCheck.run(spec, ctx);
      await store.record(
        [],
        (r.samples ?? []).map((s) => ({
          name: s.name,
          labels: { check: 'app-log', ...s.labels },
          value: s.value,
          ts: start + t,
        })),
      );
    }
    const clock = new FakeClock(start);
    const transitions: RuleTransition[] = [];
    const rules = new RuleService({
      clock,
      queryable: store.queryable,
      record: () => {},
      onTransitions: (t) => transitions.push(...t),
    });
    rules.start([guideAlertsGroup(config)!]);
    await clock.advance(180_000);
    const firing = transitions.filter((t) => t.to === 'firing').map((t) => t.rule);
    expect(firing.sort()).toEqual(['HighErrorRate', 'HighErrorRateWindow']);
    await rules.stop(1000);
    await store.close();
  });
});
