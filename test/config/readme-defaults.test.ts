import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { parseDuration } from '../../src/core/duration.js';
import { compileNotify } from '../../src/notify/config.js';

/** The defaults the README states are the ones the schema fills in: read both, repeat neither. */
describe("the README's stated defaults", () => {
  const readme = readFileSync('README.md', 'utf8');

  it('group_wait, group_interval and repeat_interval', () => {
    const m = /group_wait: \S+\s+# defaults: (\w+), (\w+), (\w+)/.exec(readme);
    expect(m).not.toBeNull();
    const { config } = parseConfig(
      'notify:\n  - { name: team, webhook: { url: "http://127.0.0.1:9/" } }\n',
      'v.yaml',
      {},
    );
    const route = compileNotify(config).route.routes[0]!;
    expect([route.groupWaitMs, route.groupIntervalMs, route.repeatIntervalMs]).toEqual(
      [m![1]!, m![2]!, m![3]!].map((d) => parseDuration(d)),
    );
  });

  it("the gate's requirements", () => {
    const m =
      /require: \{ rollback_plan: \w+, no_firing: \[\w+\], no_open_incident: \w+ \}\s+# defaults: (\w+), \[(\w+)\], (\w+)/.exec(
        readme,
      );
    expect(m).not.toBeNull();
    const { config } = parseConfig('checks: []\n', 'v.yaml', {});
    expect(config.changes.require).toEqual({
      rollback_plan: m![1] === 'true',
      no_firing: [m![2]],
      no_open_incident: m![3] === 'true',
    });
  });
});
