import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { compileOncall } from '../../src/oncall/compile.js';

/** The README's on-call examples are configs Vigil accepts, as written. */
describe("the README's on-call section", () => {
  const readme = readFileSync('README.md', 'utf8');
  const section = readme.slice(readme.indexOf('## On call and escalation'), readme.indexOf('## HTTP API'));
  const blocks = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

  it('parses, and its policy escalates through three steps twice', () => {
    expect(blocks).toHaveLength(2);
    const { config } = parseConfig(blocks[0]!, 'README.md', {
      SLACK_WEBHOOK_URL: 'https://hooks.slack.com/x',
    });
    const o = compileOncall(config.oncall);
    expect(o.policies.get('night')).toMatchObject({ repeat: 1 });
    expect(o.policies.get('night')!.steps).toHaveLength(3);
    const status = `notify:\n  - { name: mail, email: { host: h, from: a@b.c, to: a@b.c } }\n  - { name: hooks, webhook: { url: "http://127.0.0.1:9/" } }\nchecks:\n  - { name: api, tcp: { host: 127.0.0.1, port: 9 } }\n${blocks[1]!}`;
    expect(parseConfig(status, 'README.md', {}).config.status_page.subscribers).toEqual({
      email: 'mail',
      webhook: 'hooks',
      changes: true,
      maintenance_notice: 86_400_000,
    });
  });
});
