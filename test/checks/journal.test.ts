import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { journalCheck } from '../../src/checks/journal.js';
import type { Sample } from '../../src/checks/types.js';
import { scanJournal } from '../../src/logs/scan-journal.js';
import { makeCtx, memoryState } from './ctx.js';

/**
 * A stand-in `journalctl`, first on PATH: it prints entries in `journalctl -o json`'s
 * own format (fields as systemd 252 writes them) from a fixture file, honouring
 * --after-cursor, --since=@<epoch>, -u and failing on an unknown cursor as the real one does.
 */
const bin = mkdtempSync(path.join(tmpdir(), 'vigil-fake-journalctl-'));
const entriesFile = path.join(bin, 'entries.jsonl');
const argsFile = path.join(bin, 'args.log');
const t0 = Date.UTC(2026, 10, 27, 3, 0, 0);

function entry(i: number, priority: number, unit: string, message: string | number[]) {
  const usec = (t0 + i * 1000) * 1000;
  return {
    __CURSOR: `s=8f0b6d1c2a9e4b5f8c7d6e5f4a3b2c1d;i=${(0x1000 + i).toString(16)};b=2f1e3d4c5b6a79880716253443526170;m=${(usec % 1e9).toString(16)};t=${usec.toString(16)};x=${(i * 7919).toString(16)}`,
    __REALTIME_TIMESTAMP: String(usec),
    __MONOTONIC_TIMESTAMP: String(1_000_000 + i),
    _BOOT_ID: '2f1e3d4c5b6a79880716253443526170',
    PRIORITY: String(priority),
    SYSLOG_FACILITY: '3',
    SYSLOG_IDENTIFIER: unit.replace('.service', ''),
    _PID: '4242',
    _UID: '998',
    _GID: '998',
    _COMM: 'node',
    _SYSTEMD_UNIT: unit,
    _TRANSPORT: 'stdout',
    _HOSTNAME: 'app-1',
    MESSAGE: message,
  };
}

beforeAll(() => {
  const script = `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(argsFile)}, JSON.stringify(args) + '\\n');
// A machine that keeps no journal: the real journalctl says so on stderr and exits 0.
// (-o json prints nothing at all then; the short format says it on stderr).
if (fs.existsSync(${JSON.stringify(path.join(bin, 'no-journal'))})) {
  if (!args.includes('json')) { process.stderr.write('No journal files were found.\\n'); process.stdout.write('-- No entries --\\n'); }
  process.exit(0);
}
const entries = fs.readFileSync(${JSON.stringify(entriesFile)}, 'utf8').split('\\n').filter(Boolean).map((l) => JSON.parse(l));
let out = entries;
const unitAt = args.indexOf('-u');
if (unitAt >= 0) out = out.filter((e) => e._SYSTEMD_UNIT === args[unitAt + 1]);
const after = args.find((a) => a.startsWith('--after-cursor='));
if (after) {
  const c = after.slice('--after-cursor='.length);
  const i = entries.findIndex((e) => e.__CURSOR === c);
  if (i < 0) { process.stderr.write('Failed to seek to cursor: Invalid argument\\n'); process.exit(1); }
  out = out.filter((e) => entries.indexOf(e) > i);
}
const since = args.find((a) => a.startsWith('--since=@'));
if (since) out = out.filter((e) => Number(e.__REALTIME_TIMESTAMP) >= Number(since.slice(9)) * 1e6);
for (const e of out) process.stdout.write(JSON.stringify(e) + '\\n');
`;
  writeFileSync(path.join(bin, 'journalctl'), script);
  chmodSync(path.join(bin, 'journalctl'), 0o755);
  process.env.PATH = `${bin}:${process.env.PATH}`;
});

const savedPath = process.env.PATH;
afterAll(() => {
  process.env.PATH = savedPath;
});

const value = (samples: Sample[] | undefined, name: string, level?: string) =>
  samples?.find((s) => s.name === name && (level === undefined || s.labels?.level === level))?.value;

describe('journal check', () => {
  it('reads from --since on the first run, then resumes after the saved cursor; priorities become levels', async () => {
    writeFileSync(
      entriesFile,
      `${[
        entry(0, 6, 'app.service', 'started'),
        entry(1, 3, 'app.service', 'db timeout'),
        entry(2, 3, 'other.service', 'not ours'),
        entry(3, 2, 'app.service', 'out of memory'),
        entry(4, 4, 'app.service', [115, 108, 111, 119]),
      ]
        .map((e) => JSON.stringify(e))
        .join('\n')}\n`,
    );
    writeFileSync(argsFile, '');
    const state = memoryState();
    const spec = journalCheck.schema.parse({ unit: 'app.service', since: '1h' });
    const ctx = makeCtx({ state, now: () => t0 + 60_000 });
    let r = await journalCheck.run(spec, ctx);
    expect(r.status).toBe('ok');
    expect(value(r.samples, 'log_lines_total')).toBe(4);
    expect(value(r.samples, 'log_matches_total', 'error')).toBe(1);
    expect(value(r.samples, 'log_matches_total', 'fatal')).toBe(1);
    expect(value(r.samples, 'log_matches_total', 'warn')).toBe(1);
    expect(value(r.samples, 'error_rate')).toBe(0.5);

    writeFileSync(
      entriesFile,
      `${readFileSync(entriesFile, 'utf8')}${JSON.stringify(entry(5, 3, 'app.service', 'again'))}\n`,
    );
    r = await journalCheck.run(spec, ctx);
    expect(r.message).toMatch(/^1 new entry \(1 error\)/);
    expect(value(r.samples, 'log_lines_total')).toBe(5);
    expect(value(r.samples, 'log_matches_total', 'error')).toBe(2);
    const calls = readFileSync(argsFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string[]);
    expect(calls[0]).toEqual(
      expect.arrayContaining([
        '-o',
        'json',
        '-u',
        'app.service',
        `--since=@${(t0 + 60_000 - 3_600_000) / 1000}`,
      ]),
    );
    expect(calls[1]).toEqual(
      expect.arrayContaining([`--after-cursor=${entry(4, 4, 'app.service', '').__CURSOR}`]),
    );
  });

  it('a cursor the journal no longer has: a warning, and the next run starts from now', async () => {
    const state = memoryState();
    await state.set({ cursor: 's=gone;i=1', lines: 10, levels: { error: 2 } });
    const spec = journalCheck.schema.parse({ unit: 'app.service' });
    const r = await journalCheck.run(spec, makeCtx({ state, now: () => t0 }));
    expect(r.message).toContain('no longer valid');
    expect(r.status).toBe('warning');
    expect(state.value).toMatchObject({ cursor: undefined, lines: 10 });
  });

  it('a machine without a journal: unknown with journalctl own words, not "0 new entries"', async () => {
    writeFileSync(path.join(bin, 'no-journal'), '');
    try {
      const out = await journalCheck.run(journalCheck.schema.parse({}), makeCtx({ state: memoryState() }));
      expect(out).toMatchObject({ status: 'unknown', message: 'journalctl: No journal files were found.' });
      await expect(scanJournal({ since: t0, now: t0 + 60_000 })).rejects.toMatchObject({
        code: 'LOG_NOT_FOUND',
      });
    } finally {
      rmSync(path.join(bin, 'no-journal'));
    }
  });

  it('vigil logs scan --journal --unit: counts the window by priority and fingerprints the messages', async () => {
    writeFileSync(
      entriesFile,
      `${[
        entry(0, 6, 'app.service', 'started'),
        entry(1, 3, 'app.service', 'db timeout after 5013ms'),
        entry(2, 3, 'app.service', 'db timeout after 4001ms'),
        entry(3, 3, 'other.service', 'not ours'),
        entry(4, 2, 'app.service', 'out of memory'),
      ]
        .map((e) => JSON.stringify(e))
        .join('\n')}\n`,
    );
    writeFileSync(argsFile, '');
    const r = await scanJournal({ unit: 'app.service', since: t0 - 3_600_000, now: t0 + 60_000 });
    expect(r.counts).toEqual({ error: 2, fatal: 1 });
    expect(r.fingerprints.map((f) => [f.template, f.count, f.sample])).toEqual([
      ['db timeout after <n>ms', 2, 'app.service: db timeout after 5013ms'],
      ['out of memory', 1, 'app.service: out of memory'],
    ]);
    expect(r.fingerprints[0]!.firstSeen).toBe(t0 + 1000);
    const args = JSON.parse(readFileSync(argsFile, 'utf8').trim());
    expect(args).toEqual(
      expect.arrayContaining(['-u', 'app.service', `--since=@${(t0 - 3_600_000) / 1000}`]),
    );
  });

  it('journalctl absent: a clear error', async () => {
    const saved = process.env.PATH;
    process.env.PATH = bin.replace(/fake-journalctl.*/, 'nowhere');
    try {
      const r = await journalCheck.run(journalCheck.schema.parse({}), makeCtx());
      expect(r.status).toBe('critical');
      expect(r.message).toContain('journalctl not found');
    } finally {
      process.env.PATH = saved;
    }
  });
});
