import { describe, expect, it } from 'vitest';
import { affects, inRange } from '../../src/audit/osv.js';
import {
  compareComposer,
  compareGo,
  comparePep440,
  compareRubyGems,
  compareSemver,
} from '../../src/audit/versions.js';
import { record } from './osv-export.js';

const sorted = (cmp: (a: string, b: string) => number, vs: string[]) => [...vs].sort(cmp);

describe("each ecosystem's version order", () => {
  it('npm: pre-releases sort before their release, numerically by identifier', () => {
    expect(
      sorted(compareSemver, ['1.0.0', '1.0.0-rc.1', '1.0.0-beta.11', '1.0.0-beta.2', '0.9.9', '1.0.0-alpha']),
    ).toEqual(['0.9.9', '1.0.0-alpha', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0']);
    // a pre-release of the fixed version is still affected; build metadata does not count
    const r = { type: 'SEMVER', events: [{ introduced: '0' }, { fixed: '4.17.21' }] };
    expect(inRange('npm', '4.17.21-rc.1', r).affected).toBe(true);
    expect(inRange('npm', '4.17.21', r).affected).toBe(false);
    expect(inRange('npm', '4.17.20+build.5', r)).toEqual({ affected: true, fixed: '4.17.21' });
  });

  it('PEP 440: epochs beat everything, post-releases follow, dev and rc precede', () => {
    expect(
      sorted(comparePep440, ['1!0.1', '2.0', '1.0.post1', '1.0', '1.0rc1', '1.0.dev0', '1.0a1']),
    ).toEqual(['1.0.dev0', '1.0a1', '1.0rc1', '1.0', '1.0.post1', '2.0', '1!0.1']);
    const fixedInPost = { type: 'ECOSYSTEM', events: [{ introduced: '1.0' }, { fixed: '1.0.post1' }] };
    expect(inRange('PyPI', '1.0', fixedInPost).affected).toBe(true);
    expect(inRange('PyPI', '1.0.post1', fixedInPost).affected).toBe(false);
    expect(inRange('PyPI', '1.0rc1', fixedInPost).affected).toBe(false);
    // an epoch jump leaves the old-scheme range
    expect(
      inRange('PyPI', '1!0.5', { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0' }] })
        .affected,
    ).toBe(false);
  });

  it('Go: pseudo-versions are pre-releases of the next version; +incompatible is metadata', () => {
    expect(
      sorted(compareGo, [
        'v1.2.4',
        'v1.2.4-0.20191109021931-daa7c04131f5',
        'v1.2.3',
        'v0.0.0-20191109021931-daa7c04131f5',
        'v0.1.0',
      ]),
    ).toEqual([
      'v0.0.0-20191109021931-daa7c04131f5',
      'v0.1.0',
      'v1.2.3',
      'v1.2.4-0.20191109021931-daa7c04131f5',
      'v1.2.4',
    ]);
    expect(compareGo('v2.0.0+incompatible', 'v2.0.0')).toBe(0);
    const rec = record('GO-2026-0001', 'Go', 'golang.org/x/net', [{ introduced: '0' }, { fixed: '1.2.4' }], {
      type: 'SEMVER',
    });
    expect(affects(rec, 'Go', 'golang.org/x/net', 'v1.2.4-0.20191109021931-daa7c04131f5').affected).toBe(
      true,
    );
    expect(affects(rec, 'Go', 'golang.org/x/net', 'v1.2.4').affected).toBe(false);
  });

  it('RubyGems: a letter starts a pre-release, so 1.0.0.pre < 1.0.0 < 1.0.0.1', () => {
    expect(sorted(compareRubyGems, ['1.0.0.1', '1.0.0', '1.0.0.pre', '1.0.0.beta2', '0.9'])).toEqual([
      '0.9',
      '1.0.0.beta2',
      '1.0.0.pre',
      '1.0.0',
      '1.0.0.1',
    ]);
    const r = { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0.0' }] };
    expect(inRange('RubyGems', '1.0.0.pre', r).affected).toBe(true);
  });

  it('Composer: PHP version_compare order with a v prefix and stability words', () => {
    expect(
      sorted(compareComposer, [
        'v1.0.0',
        '1.0.0-RC1',
        '1.0.0-beta2',
        '1.0.0-alpha1',
        '1.0.0-dev',
        '1.0.0.1',
        '1.0.0-p1',
      ]),
    ).toEqual(['1.0.0-dev', '1.0.0-alpha1', '1.0.0-beta2', '1.0.0-RC1', 'v1.0.0', '1.0.0-p1', '1.0.0.1']);
    expect(compareComposer('1.0', '1.0.0.0')).toBe(0);
    expect(compareComposer('v2.3.4', '2.3.4')).toBe(0);
  });

  it('Cargo: SemVer precedence', () => {
    expect(sorted(compareSemver, ['0.10.0', '0.9.1', '1.0.0-alpha.1'])).toEqual([
      '0.9.1',
      '0.10.0',
      '1.0.0-alpha.1',
    ]);
  });
});

describe("OSV's range semantics", () => {
  it('last_affected includes that version and nothing after', () => {
    const r = { type: 'ECOSYSTEM', events: [{ introduced: '1.0.0' }, { last_affected: '1.4.2' }] };
    expect(inRange('npm', '0.9.0', r).affected).toBe(false);
    expect(inRange('npm', '1.4.2', r)).toEqual({ affected: true });
    expect(inRange('npm', '1.4.3', r).affected).toBe(false);
  });

  it('several introduced/fixed pairs: events are sorted before they are walked', () => {
    const r = {
      type: 'ECOSYSTEM',
      events: [{ fixed: '2.5.1' }, { introduced: '2.0.0' }, { fixed: '1.9.9' }, { introduced: '1.0.0' }],
    };
    expect(inRange('npm', '1.5.0', r)).toEqual({ affected: true, fixed: '1.9.9' });
    expect(inRange('npm', '1.9.9', r).affected).toBe(false);
    expect(inRange('npm', '2.5.0', r)).toEqual({ affected: true, fixed: '2.5.1' });
    expect(inRange('npm', '2.5.1', r).affected).toBe(false);
  });

  it('a versions list matches exactly, in the ecosystem sense of equal', () => {
    const rec = record('PYSEC-1', 'PyPI', 'Django', [], { versions: ['3.2', '3.2.1'] });
    expect(affects(rec, 'PyPI', 'django', '3.2.0').affected).toBe(true);
    expect(affects(rec, 'PyPI', 'django', '3.2.2').affected).toBe(false);
  });

  it('GIT ranges are not version ranges and are passed over', () => {
    const rec = record('OSV-1', 'npm', 'x', [{ introduced: '0' }]);
    rec.affected![0]!.ranges![0]!.type = 'GIT';
    expect(affects(rec, 'npm', 'x', '1.0.0').affected).toBe(false);
  });
});
