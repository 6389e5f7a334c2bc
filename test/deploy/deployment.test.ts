import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { packedFiles, packProblems } from '../../scripts/pack-check.mjs';

const unit = readFileSync('examples/systemd/vigil.service', 'utf8');
const dockerfile = readFileSync('Dockerfile', 'utf8');

/** `Key=value` lines of a unit file (comments out), every value a key has. */
function directives(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1]!, [...(out.get(m[1]!) ?? []), m[2]!]);
  }
  return out;
}

const systemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;
if (!systemdAnalyze && process.env.CI !== 'true')
  console.warn('systemd-analyze not installed: the unit is checked by this test alone, not by systemd');

describe('the systemd unit', () => {
  const d = directives(unit);

  it('runs Vigil directly, as its own user, restarted on failure, hardened', () => {
    expect(d.get('ExecStart')?.[0]).toMatch(
      /^\/usr\/bin\/node \/usr\/lib\/node_modules\/vigil\/bin\/vigil\.js up\b/,
    );
    expect(unit).not.toMatch(/^ExecStart=.*\bnpx?\b/m);
    expect(d.get('User')).toEqual(['vigil']);
    expect(d.get('Restart')).toEqual(['on-failure']);
    expect(d.get('NoNewPrivileges')).toEqual(['yes']);
    expect(d.get('ProtectSystem')).toEqual(['strict']);
    expect(d.get('ReadWritePaths')?.join(' ')).toMatch(/\/var\/lib\/vigil.*\/var\/backups\/vigil/);
    expect(d.get('ExecReload')?.[0]).toMatch(/kill -HUP \$MAINPID/);
  });

  it.skipIf(!systemdAnalyze && process.env.CI !== 'true')('passes systemd-analyze verify', () => {
    const r = spawnSync('systemd-analyze', ['verify', 'examples/systemd/vigil.service'], {
      encoding: 'utf8',
    });
    expect(r.error, 'systemd-analyze is required under CI=true').toBeUndefined();
    // verify prints nothing when the unit is sound; missing users and paths on this machine are not its findings
    expect(r.stderr.trim(), r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});

describe('the Dockerfile', () => {
  const lines = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages = lines.filter((l) => /^FROM\s/i.test(l));
  const last = lines.slice(lines.lastIndexOf(stages.at(-1)!));

  it('builds in stages from a pinned base', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const from of stages) {
      const image = from.split(/\s+/)[1]!;
      // an exact version or a digest, never a moving tag
      expect(image, from).toMatch(/(:\d+\.\d+\.\d+[\w.-]*|@sha256:[0-9a-f]{64})$/);
      const major = Number(/:(\d+)\./.exec(image)?.[1]);
      expect(major, 'a Node release package.json allows').toBeGreaterThanOrEqual(20);
    }
  });

  it('runs as a user that is not root, with a health check on /health, Vigil as PID 1', () => {
    const user = last
      .filter((l) => /^USER\s/i.test(l))
      .at(-1)
      ?.split(/\s+/)[1];
    expect(user).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user);
    const health = last.find((l) => /^HEALTHCHECK\s/i.test(l));
    expect(health).toMatch(/\/health/);
    const cmd = last.find((l) => /^CMD\s/i.test(l))!;
    expect(cmd).toMatch(/^CMD \["node",/); // exec form, no shell or npx between the signal and Vigil
    expect(cmd).toMatch(/"--listen", "0\.0\.0\.0:8080"/);
    expect(last.some((l) => /^COPY --from=/i.test(l))).toBe(true);
  });
});

describe('the package', () => {
  it('ships the built daemon, the dashboard, examples, LICENSE and README, and no tests or sources', async () => {
    // the file list `npm pack` makes (scripts/pack-check.mjs installs the tarball itself: npm run pack:check)
    const files = await packedFiles();
    expect(packProblems(files)).toEqual([]);
    // and the rules catch what they are for
    expect(packProblems([...files, 'test/fixtures/a.yaml', 'dist/x.test.js'])).toEqual([
      'should not be shipped: test/fixtures/a.yaml, dist/x.test.js',
    ]);
    expect(packProblems(files.filter((f) => !f.startsWith('dist/web/')))).toContain(
      'missing dist/web/index.html',
    );
  });

  it('carries the license package.json names', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { license: string };
    expect(pkg.license).toBe('Apache-2.0');
    expect(readFileSync('LICENSE', 'utf8')).toMatch(/Apache License\s+Version 2\.0, January 2004/);
  });
});
