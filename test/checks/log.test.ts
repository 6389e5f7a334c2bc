import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type LogSpec, logCheck } from '../../src/checks/log.js';
import type { Sample } from '../../src/checks/types.js';
import { parseConfig } from '../../src/config/loader.js';
import { VigilError } from '../../src/errors.js';
import { makeCtx, memoryState } from './ctx.js';

const root = mkdtempSync(path.join(tmpdir(), 'vigil-log-check-'));
let n = 0;
const fresh = () => {
  const dir = path.join(root, String(n++));
  mkdirSync(dir);
  return dir;
};
const spec = (p: string, more: Partial<Record<string, unknown>> = {}): LogSpec =>
  logCheck.schema.parse({ path: p, from: 'start', ...more });
const value = (samples: Sample[] | undefined, name: string, labels: Record<string, string>) =>
  samples?.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels?.[k] === v))
    ?.value;

describe('log check', () => {
  it('counts new lines per level, each once, across runs', async () => {
    const dir = fresh();
    const file = path.join(dir, 'app.log');
    writeFileSync(file, 'INFO a\nERROR b\n{"level":"fatal","msg":"c"}\nWARN d\npartial ERR');
    const ctx = makeCtx();
    const s = spec(file);
    let r = await logCheck.run(s, ctx);
    expect(r.status).toBe('ok');
    expect(value(r.samples, 'log_lines_total', { file })).toBe(4);
    expect(value(r.samples, 'log_matches_total', { file, level: 'error' })).toBe(1);
    expect(value(r.samples, 'log_matches_total', { file, level: 'fatal' })).toBe(1);
    expect(value(r.samples, 'log_matches_total', { file, level: 'warn' })).toBe(1);
    expect(value(r.samples, 'error_rate', { file })).toBe(0.5);
    appendFileSync(file, 'OR e\nERROR f\n');
    r = await logCheck.run(s, ctx);
    expect(r.message).toBe('2 new lines (2 error) in 1 file');
    expect(value(r.samples, 'error_rate', { file })).toBe(1);
    expect(value(r.samples, 'log_lines_total', { file })).toBe(6);
    expect(value(r.samples, 'log_matches_total', { file, level: 'error' })).toBe(3);
  });

  it('starts at the end of existing files by default, and resumes from persisted state', async () => {
    const dir = fresh();
    const file = path.join(dir, 'app.log');
    writeFileSync(file, 'ERROR old\n');
    const state = memoryState();
    const s = logCheck.schema.parse({ path: file });
    await logCheck.run(s, makeCtx({ state }));
    appendFileSync(file, 'ERROR new\n');
    // a restart: new memo, same persisted state
    const r = await logCheck.run(
      s,
      makeCtx({ state: { get: async () => JSON.parse(JSON.stringify(state.value)), set: state.set } }),
    );
    expect(value(r.samples, 'log_matches_total', { file, level: 'error' })).toBe(1);
  });

  it('finishes a renamed file from its new name before reading the new file (rename + create)', async () => {
    const dir = fresh();
    const file = path.join(dir, 'app.log');
    writeFileSync(file, 'ERROR 1\n');
    const ctx = makeCtx();
    const s = spec(path.join(dir, '*.log'));
    await logCheck.run(s, ctx);
    appendFileSync(file, 'ERROR 2\n');
    renameSync(file, `${file}.1`);
    appendFileSync(`${file}.1`, 'ERROR 3 (written before the writer reopened)\n');
    writeFileSync(file, 'ERROR 4\n');
    let r = await logCheck.run(s, ctx);
    expect(value(r.samples, 'log_matches_total', { file, level: 'error' })).toBe(4);
    // the writer is slow to reopen: a late line in the old file is still counted next run
    appendFileSync(`${file}.1`, 'ERROR 5\n');
    r = await logCheck.run(s, ctx);
    expect(value(r.samples, 'log_matches_total', { file, level: 'error' })).toBe(5);
    expect(value(r.samples, 'log_lines_total', { file })).toBe(5);
  });

  it('after copytruncate, reads the copy from where it stopped, then the emptied file', async () => {
    const dir = fresh();
    const file = path.join(dir, 'app.log');
    writeFileSync(file, 'ERROR 1\n');
    const ctx = makeCtx();
    const s = spec(file);
    await logCheck.run(s, ctx);
    appendFileSync(file, 'ERROR 2\nERROR 3\n');
    copyFileSync(file, `${file}.1`);
    truncateSync(file, 0);
    appendFileSync(file, 'ERROR 4\n');
    const r = await logCheck.run(s, ctx);
    expect(value(r.samples, 'log_matches_total', { file, level: 'error' })).toBe(4);
    // replaced in place by a longer file: noticed by the bytes before the offset
    writeFileSync(file, 'INFO xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\nERROR 5\n');
    const r2 = await logCheck.run(s, ctx);
    expect(value(r2.samples, 'log_lines_total', { file })).toBe(6);
  });

  it('folds stack traces into their record and counts the last one when the file stops growing', async () => {
    const dir = fresh();
    const file = path.join(dir, 'app.log');
    writeFileSync(
      file,
      '2026-11-27 ERROR boom\n  at a()\n  at b()\n2026-11-27 INFO ok\n2026-11-27 ERROR second\n  at c()\n',
    );
    const ctx = makeCtx();
    const s = spec(file, { start: '^\\d{4}-' });
    let r = await logCheck.run(s, ctx);
    expect(value(r.samples, 'log_lines_total', { file })).toBe(2);
    appendFileSync(file, '  at d()\n');
    r = await logCheck.run(s, ctx);
    expect(value(r.samples, 'log_lines_total', { file })).toBe(2);
    r = await logCheck.run(s, ctx);
    expect(value(r.samples, 'log_lines_total', { file })).toBe(3);
    expect(value(r.samples, 'log_matches_total', { file, level: 'error' })).toBe(2);
  });

  it('counts a 3 MB line once, cut to the record bound', async () => {
    const dir = fresh();
    const file = path.join(dir, 'app.log');
    writeFileSync(file, `ERROR ${'x'.repeat(3 << 20)}\nERROR short\n`);
    const r = await logCheck.run(spec(file, { max_record: '1KiB' }), makeCtx());
    expect(value(r.samples, 'log_lines_total', { file })).toBe(2);
    expect(value(r.samples, 'log_matches_total', { file, level: 'error' })).toBe(2);
  });

  it('custom patterns per level', async () => {
    const dir = fresh();
    const file = path.join(dir, 'app.log');
    writeFileSync(file, 'E: disk\nW: slow\nI: ok\n');
    const r = await logCheck.run(spec(file, { match: '^E:', levels: { warn: '^W:' } }), makeCtx());
    expect(value(r.samples, 'log_matches_total', { file, level: 'error' })).toBe(1);
    expect(value(r.samples, 'log_matches_total', { file, level: 'warn' })).toBe(1);
    expect(value(r.samples, 'log_matches_total', { file, level: 'fatal' })).toBeUndefined();
  });

  it('a catastrophic pattern on a hostile line answers at once (linear-time matching)', async () => {
    const dir = fresh();
    const file = path.join(dir, 'app.log');
    // V8's backtracking engine needs minutes for (a+)+$ on 30 a's and a '!'
    writeFileSync(file, `${'a'.repeat(30)}!\n${'a'.repeat(30)}\n`);
    const started = performance.now();
    const r = await logCheck.run(spec(file, { match: '(a+)+$' }), makeCtx());
    expect(value(r.samples, 'log_matches_total', { file, level: 'error' })).toBe(1);
    expect(value(r.samples, 'log_lines_total', { file })).toBe(2);
    // the record-start pattern too
    await logCheck.run(spec(file, { start: '^(a|aa)+$', levels: { warn: '(a|a)+$' } }), makeCtx());
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('refuses lookaround and backreferences, which have no linear-time matcher', () => {
    for (const match of ['(?=a)b', '(a)\\1', 'a(?!b)']) {
      const r = logCheck.schema.safeParse({ path: '/x.log', match });
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.message).toMatch(/not a valid regular expression/);
    }
  });

  it('a missing file is critical unless missing_ok; an unreadable one is critical', async () => {
    const dir = fresh();
    const file = path.join(dir, 'nope.log');
    expect((await logCheck.run(spec(file), makeCtx())).status).toBe('critical');
    expect((await logCheck.run(spec(file, { missing_ok: true }), makeCtx())).status).toBe('ok');
    if (process.getuid?.() !== 0) {
      writeFileSync(file, 'x\n');
      chmodSync(file, 0o000);
      const r = await logCheck.run(spec(file), makeCtx());
      expect(r.status).toBe('critical');
      expect(r.message).toContain('permission denied');
    }
  });

  it('an invalid regex is a config error with line:col', () => {
    const text = 'checks:\n  - name: app-log\n    log: { path: /tmp/x.log, match: "(oops" }\n';
    try {
      parseConfig(text, 'vigil.yaml', {});
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(VigilError);
      expect((e as VigilError).problems[0]?.where).toMatch(/^vigil\.yaml:3:\d+$/);
      expect((e as VigilError).problems[0]?.message).toContain('not a valid regular expression');
    }
  });
});

describe('log check state', () => {
  it('forgets files that are gone and no longer matched', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-log-prune-'));
    writeFileSync(path.join(dir, 'a.log'), 'ERROR a\n');
    writeFileSync(path.join(dir, 'b.log'), 'ERROR b\n');
    const state = memoryState();
    const s = logCheck.schema.parse({ path: path.join(dir, '*.log'), from: 'start' });
    await logCheck.run(s, makeCtx({ state }));
    expect(Object.keys((state.value as { files: object }).files)).toHaveLength(2);
    rmSync(path.join(dir, 'b.log'));
    const r = await logCheck.run(s, makeCtx({ state }));
    expect(Object.keys((state.value as { files: object }).files)).toEqual([path.join(dir, 'a.log')]);
    expect(r.samples?.filter((x) => x.name === 'log_lines_total')).toHaveLength(1);
  });
});
