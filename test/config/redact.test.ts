import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { Scrubber, scrubberOf } from '../../src/config/redact.js';

describe('Scrubber', () => {
  it('strips a secret in the forms a receiver or driver echoes it', () => {
    const s = new Scrubber(['p@ss word/"x"']);
    expect(s.scrub('got p@ss word/"x" here')).toBe('got *** here');
    expect(s.scrub(`q=${encodeURIComponent('p@ss word/"x"')}`)).toBe('q=***');
    expect(s.scrub(JSON.stringify({ k: 'p@ss word/"x"' }))).toBe('{"k":"***"}');
    expect(s.scrub('q=p%40ss+word%2F%22x%22')).toBe('q=***');
  });

  it("knows a secret URL's path, query values, password and Basic credentials", () => {
    const s = new Scrubber([
      'https://hooks.example.com/services/T0/B0/abcdef?token=HookTok_9',
      'postgres://app:s3cret-pw@db:5432/orders',
    ]);
    expect(s.scrub('POST /services/T0/B0/abcdef: no_team')).toBe('POST ***: no_team');
    expect(s.scrub('token is HookTok_9')).toBe('token is ***');
    expect(s.scrub('auth failed for s3cret-pw')).toBe('auth failed for ***');
    expect(s.scrub(`Basic ${Buffer.from('app:s3cret-pw').toString('base64')}`)).toBe('Basic ***');
    // a database's name is not a secret: messages keep naming it
    expect(s.scrub('orders has 3 dead tuples')).toBe('orders has 3 dead tuples');
  });

  it('redacts passwords in any URL, known or not, and leaves short values alone', () => {
    const s = new Scrubber(['abc']);
    expect(s.scrub('mysql://root:hunter2@h/db abc')).toBe('mysql://root:***@h/db abc');
  });

  it('learns the values the loader took from the environment, not defaults', () => {
    const loaded = parseConfig(
      'storage: "sqlite:${DB:-./v.db}"\nchecks:\n  - name: a\n    http: { url: "http://h/x?token=${TOK}" }\n',
      'vigil.yaml',
      { TOK: 'tok-0123456789' },
    );
    expect(loaded.secretValues).toEqual(['tok-0123456789']);
    expect(scrubberOf(loaded).scrub('GET http://h/x?token=tok-0123456789')).toBe('GET http://h/x?token=***');
  });
});
