import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { linearRegex } from '../../src/core/linear-regex.js';
import { FingerprintTable, template } from '../../src/logs/fingerprint.js';
import { levelNeedles, levelOf } from '../../src/logs/levels.js';
import { scanLogs } from '../../src/logs/scan.js';
import { type LineMatch, NeedleScanner } from '../../src/logs/scanner.js';
import { lineTime } from '../../src/logs/timestamp.js';
import { captureIo } from '../cli/io.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-logs-scan-'));
const now = Date.UTC(2026, 10, 27, 8, 0, 0);
const hour = 3_600_000;
const stamp = (ms: number) => new Date(ms).toISOString();

describe('template', () => {
  it('strips numbers, hex ids, UUIDs, quoted values and IPs', () => {
    expect(
      template(
        '2026-11-27T03:14:15.123Z ERROR [db] timeout after 5013ms on "select 1" for 4f9c2d1e-8a3b-4c5d-9e6f-0a1b2c3d4e5f from 10.0.0.12:5432 token=0xdeadbeef id=a1b2c3d4e5',
      ),
    ).toBe('ERROR [db] timeout after <n>ms on <str> for <uuid> from <ip> token=<hex> id=<hex>');
    expect(template("Nov 27 03:14:15 host app[123]: failed 'x' at fe80::1:2:3")).toBe(
      'host app[<n>]: failed <str> at <ip>',
    );
    expect(template('ERROR  two   spaces at 03:14:15')).toBe('ERROR two spaces at <n>:<n>:<n>');
    // short mixed hex ids are ids too; short words with a digit are not
    expect(template('ERROR payment 65631f5 failed on e2e v1 abc123')).toBe(
      'ERROR payment <hex> failed on e<n>e v<n> <hex>',
    );
  });

  it('lines that differ only in values share one fingerprint, with first/last seen and one sample', () => {
    const t = new FingerprintTable();
    t.add('error', 'ERROR user 1 failed', 10);
    t.add('error', 'ERROR user 22 failed', 30);
    t.add('error', 'ERROR user 3 failed', 20);
    t.add('error', 'ERROR disk full', 5);
    const [top, next] = t.top(10);
    expect(top).toMatchObject({ template: 'ERROR user <n> failed', count: 3, firstSeen: 10, lastSeen: 30 });
    expect(top!.sample).toBe('ERROR user 1 failed');
    expect(next).toMatchObject({ template: 'ERROR disk full', count: 1 });
  });
});

describe('levels and times', () => {
  it('reads the level of text and JSON lines', () => {
    expect(levelOf('2026-11-27 ERROR x')).toBe('error');
    expect(levelOf('x WARNING y')).toBe('warn');
    expect(levelOf('ERRORS_TOTAL=0 fine')).toBeUndefined();
    expect(levelOf('{"level":"fatal","msg":"x"}')).toBe('fatal');
    expect(levelOf('{"level":50,"msg":"x"}')).toBe('error');
    expect(levelOf('{"level":"info","msg":"ERROR in text"}')).toBeUndefined();
  });

  it('parses ISO, offset, syslog and JSON times', () => {
    expect(lineTime('2026-11-27T03:14:15.123Z x', now)).toBe(Date.UTC(2026, 10, 27, 3, 14, 15, 123));
    expect(lineTime('2026-11-27T03:14:15+01:00 x', now)).toBe(Date.UTC(2026, 10, 27, 2, 14, 15));
    expect(lineTime('[2026-11-27 03:14:15,5Z] x', now)).toBe(Date.UTC(2026, 10, 27, 3, 14, 15, 500));
    expect(lineTime('{"ts":1796000000.5,"level":"error"}', now)).toBe(1796000000500);
    expect(lineTime('{"time":"2026-11-27T03:00:00Z"}', now)).toBe(Date.UTC(2026, 10, 27, 3));
    expect(lineTime('Nov 27 03:14:15 host x', now)).toBe(new Date(2026, 10, 27, 3, 14, 15).getTime());
    expect(lineTime('no time here', now)).toBeUndefined();
  });
});

describe('NeedleScanner', () => {
  const collect = (needles = levelNeedles(['fatal', 'error'], false), max?: number) => {
    const got: LineMatch[] = [];
    return { got, s: new NeedleScanner(needles, (m) => got.push(m), max) };
  };

  it('finds each matching line once, at word boundaries, whatever the needle order', () => {
    const { got, s } = collect();
    const buf = Buffer.from('a ERROR b FATAL\nERRORS=0\nFATAL x\r\nok\nx ERROR');
    s.lines(buf, 0, buf.length);
    expect(got.map((m) => [m.level, m.text])).toEqual([
      ['error', 'a ERROR b FATAL'],
      ['fatal', 'FATAL x'],
      ['error', 'x ERROR'],
    ]);
  });

  it('counts a line longer than the buffer once, cut with a marker', () => {
    const { got, s } = collect(undefined, 10);
    s.fragment(Buffer.from('xxxx ERROR xxxxxxxxxxxxxxx'), 0, 26);
    s.fragment(Buffer.from('ERROR again in the same line'), 0, 28);
    s.lines(Buffer.from('end of it ERROR\nERROR next\n'), 0, 27);
    expect(got.map((m) => m.text)).toEqual(['xxxx ERROR …[truncated]', 'ERROR next']);
    expect(got[0]!.truncated).toBe(true);
  });
});

describe('scanLogs', () => {
  it('reads the live file and rotated siblings (.1, .gz) that overlap the window, nothing older', async () => {
    const live = path.join(dir, 'app.log');
    const line = (at: number, text: string) => `${stamp(at)} ${text}\n`;
    writeFileSync(live, line(now - hour, 'ERROR db timeout after 5000ms') + line(now - hour, 'INFO ok'));
    writeFileSync(
      `${live}.1`,
      line(now - 30 * hour, 'ERROR too old') + line(now - 10 * hour, 'ERROR db timeout after 6000ms'),
    );
    writeFileSync(`${live}.2.gz`, gzipSync(line(now - 20 * hour, 'FATAL out of memory')));
    writeFileSync(`${live}.3.gz`, gzipSync(line(now - 50 * hour, 'FATAL ancient')));
    writeFileSync(path.join(dir, 'app.log.bak'), line(now - hour, 'ERROR not a sibling'));
    const mtime = (p: string, ms: number) => utimesSync(p, ms / 1000, ms / 1000);
    mtime(live, now - hour);
    mtime(`${live}.1`, now - 10 * hour);
    mtime(`${live}.2.gz`, now - 20 * hour);
    mtime(`${live}.3.gz`, now - 50 * hour);

    const r = await scanLogs([live], { since: now - 24 * hour, now });
    expect(r.files.map((f) => path.basename(f.path))).toEqual(['app.log.2.gz', 'app.log.1', 'app.log']);
    expect(r.counts).toEqual({ error: 2, fatal: 1 });
    expect(r.fingerprints[0]).toMatchObject({
      template: 'ERROR db timeout after <n>ms',
      count: 2,
      firstSeen: now - 10 * hour,
      lastSeen: now - hour,
    });
  });

  it('agrees with grep -c on a generated day across buffer boundaries, and reads JSON logs', async () => {
    const file = path.join(dir, 'big.log');
    const lines: string[] = [];
    for (let i = 0; i < 60_000; i++) {
      const level = i % 97 === 0 ? 'ERROR' : i % 389 === 0 ? 'FATAL' : 'INFO';
      lines.push(`${stamp(now - hour + i)} ${level} request ${i} ${'x'.repeat(i % 150)}`);
    }
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await scanLogs([file], { since: 0, now });
    const grep = (p: string) => Number(execFileSync('grep', ['-c', '-E', p, file]).toString());
    expect(r.counts.error).toBe(grep('ERROR'));
    expect(r.counts.fatal).toBe(grep('FATAL'));

    const json = path.join(dir, 'app.json.log');
    writeFileSync(
      json,
      '{"time":"2026-11-27T07:00:00Z","level":"error","msg":"boom 1"}\n{"level":"info","msg":"ERROR in text"}\n{"level":60,"msg":"x"}\n',
    );
    expect((await scanLogs([json], { since: 0, now })).counts).toEqual({ error: 1, fatal: 1 });
  });

  it('starts a big file at the window by bisection and counts exactly the lines inside it', async () => {
    const file = path.join(dir, 'two-days.log');
    const lines: string[] = [];
    let inWindow = 0;
    const since = now - 24 * hour;
    for (let i = 0; i < 100_000; i++) {
      const at = now - 48 * hour + Math.floor((i * 48 * hour) / 100_000);
      const error = i % 7 === 0;
      if (error && at >= since) inWindow++;
      lines.push(`${stamp(at)} ${error ? 'ERROR' : 'INFO'} event ${i} ${'y'.repeat(i % 60)}`);
    }
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await scanLogs([file], { since, now });
    expect(r.counts.error).toBe(inWindow);
    expect(r.fingerprints[0]!.firstSeen).toBeGreaterThanOrEqual(since);
  });

  it('a line longer than the read buffer is counted once and cut; a binary file is no trouble', async () => {
    const file = path.join(dir, 'long.log');
    writeFileSync(file, `ERROR ${'z'.repeat(9 << 20)} ERROR again\nERROR after\n`);
    const r = await scanLogs([file], { since: 0, now });
    expect(r.counts).toEqual({ error: 2 });
    expect(r.truncated).toBe(1);
    expect(r.fingerprints.find((f) => f.count === 1 && f.sample.length <= 500)).toBeDefined();
    const bin = path.join(dir, 'core.log');
    const bytes = Buffer.alloc(1 << 20);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 2654435761) >>> 24;
    writeFileSync(bin, Buffer.concat([bytes, Buffer.from('\nERROR in binary\n')]));
    expect((await scanLogs([bin], { since: 0, now })).counts.error).toBeGreaterThanOrEqual(1);
  });

  it('--match selects by text or regex', async () => {
    const file = path.join(dir, 'm.log');
    writeFileSync(file, 'a timeout 1\nb refused\nc timeout 2\n');
    expect((await scanLogs([file], { since: 0, now, match: 'timeout' })).counts).toEqual({ match: 2 });
    expect((await scanLogs([file], { since: 0, now, match: linearRegex('time|refus') })).counts).toEqual({
      match: 3,
    });
    expect((await scanLogs([file], { since: 0, now, match: linearRegex('^[ac] time') })).counts).toEqual({
      match: 2,
    });
    expect((await scanLogs([file], { since: 0, now, match: linearRegex('t.*[12]$') })).counts).toEqual({
      match: 2,
    });
  });
});

describe('vigil logs scan', () => {
  const run = async (args: string[]) => {
    const cap = captureIo(dir);
    const code = await main(['node', 'vigil', 'logs', 'scan', ...args], cap.io);
    return { code, ...cap };
  };

  it('prints the morning review of a day of logs', async () => {
    const file = path.join(dir, 'day.log');
    const t = Date.now();
    const lines = [];
    for (let i = 0; i < 2000; i++) {
      const at = t - 23 * hour + i * 30_000;
      lines.push(
        i % 10 === 0
          ? `${stamp(at)} ERROR [db] timeout after ${5000 + i}ms on query "select ${i}"`
          : i % 33 === 0
            ? `${stamp(at)} FATAL [main] out of memory at 0x${(i * 7919).toString(16)}`
            : `${stamp(at)} INFO GET /api/${i} 200`,
      );
    }
    writeFileSync(file, `${lines.join('\n')}\n`);
    const r = await run([file, '--since', '24h']);
    expect(r.code).toBe(0);
    expect(r.stdout()).toMatch(/error 200\s+fatal 54/);
    expect(r.stdout()).toContain('ERROR [db] timeout after <n>ms on query <str>');
    expect(r.stdout()).toContain('FATAL [main] out of memory at <hex>');
    const j = await run([file, '--json', '--top', '1']);
    const parsed = JSON.parse(j.stdout());
    expect(parsed.counts).toEqual({ error: 200, fatal: 54 });
    expect(parsed.fingerprints).toHaveLength(1);
    expect(parsed.fingerprints[0]).toMatchObject({ count: 200, level: 'error' });
  });

  it('without paths, scans the files under logs: in vigil.yaml', async () => {
    const sub = path.join(dir, 'configured');
    mkdirSync(sub);
    writeFileSync(path.join(sub, 'a.log'), `${stamp(Date.now() - hour)} ERROR one\n`);
    writeFileSync(path.join(sub, 'b.log'), `${stamp(Date.now() - hour)} FATAL two\n`);
    writeFileSync(path.join(sub, 'vigil.yaml'), 'logs:\n  - path: "*.log"\n');
    const r = await run(['--config', path.join(sub, 'vigil.yaml'), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout()).counts).toEqual({ error: 1, fatal: 1 });
  });

  it('a missing file or a bad regex is a usage error', async () => {
    const missing = await run([path.join(dir, 'nope.log')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr()).toContain('LOG_NOT_FOUND');
    writeFileSync(path.join(dir, 'x.log'), 'x\n');
    const bad = await run([path.join(dir, 'x.log'), '--match', '(unclosed']);
    expect(bad.code).toBe(2);
    expect(bad.stderr()).toContain('not a valid regular expression');
  });
});
