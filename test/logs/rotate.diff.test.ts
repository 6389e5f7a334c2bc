import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { formatDate, logFiles, rotateFile } from '../../src/logs/rotate.js';
import { rotateSchema } from '../../src/logs/rotate-config.js';

/**
 * The same files, rotated by Vigil (fake clock, state in memory) and by Debian's
 * logrotate (state file with the same last-rotation time, mtimes set as
 * `touch -d` would), must end as the same names holding the same contents.
 */
const logrotate = ['/usr/sbin/logrotate', '/usr/bin/logrotate'].find((p) => existsSync(p));
if (!logrotate && process.env.CI === 'true')
  throw new Error('logrotate is required under CI=true (apt-get install logrotate)');

const day = 86_400_000;
/** the time both tools rotate at; set per attempt (see the retry below) */
let now = Date.now();
const root = mkdtempSync(path.join(tmpdir(), 'vigil-rotate-diff-'));

interface Scenario {
  name: string;
  /** files relative to the log's directory: content (a Buffer is written as is) and age in days */
  files: Record<string, { content: string | Buffer; ageDays?: number }>;
  vigil: Record<string, unknown>;
  logrotate: string[];
  /** last rotation, days ago; both tools are told the same */
  lastRotatedDaysAgo?: number;
  dirs?: string[];
}

const lines = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag} line ${i}\n`).join('');
const today = formatDate('-%Y%m%d', now);

const scenarios: Scenario[] = [
  {
    name: 'size reached, numbered, keep 2',
    files: {
      'app.log': { content: lines(20, 'live') },
      'app.log.1': { content: 'one\n' },
      'app.log.2': { content: 'two\n' },
    },
    vigil: { max_size: 100, keep: 2 },
    logrotate: ['size 100', 'rotate 2', 'create'],
  },
  {
    name: 'size not reached',
    files: { 'app.log': { content: 'short\n' }, 'app.log.1': { content: 'one\n' } },
    vigil: { max_size: 100, keep: 2 },
    logrotate: ['size 100', 'rotate 2', 'create'],
  },
  {
    name: 'compress, keep 3, oldest dropped',
    files: {
      'app.log': { content: lines(20, 'live') },
      'app.log.1.gz': { content: gzipSync('one\n') },
      'app.log.2.gz': { content: gzipSync('two\n') },
      'app.log.3.gz': { content: gzipSync('three\n') },
    },
    vigil: { max_size: 10, keep: 3, compress: 'gzip' },
    logrotate: ['size 10', 'rotate 3', 'compress', 'create'],
  },
  {
    name: 'compress with delay_compress',
    files: {
      'app.log': { content: lines(20, 'live') },
      'app.log.1': { content: 'one\n' },
      'app.log.2.gz': { content: gzipSync('two\n') },
    },
    vigil: { max_size: 10, keep: 4, compress: 'gzip', delay_compress: true },
    logrotate: ['size 10', 'rotate 4', 'compress', 'delaycompress', 'create'],
  },
  {
    name: 'dateext, keep 2',
    files: {
      'app.log': { content: lines(5, 'live') },
      'app.log-20200101': { content: 'a\n' },
      'app.log-20200102': { content: 'b\n' },
      'app.log-20200103': { content: 'c\n' },
    },
    vigil: { max_size: 10, keep: 2, dateext: true },
    logrotate: ['size 10', 'rotate 2', 'dateext', 'dateformat -%Y%m%d', 'create'],
  },
  {
    name: 'dateext with compress',
    files: { 'app.log': { content: lines(5, 'live') }, 'app.log-20200101.gz': { content: gzipSync('a\n') } },
    vigil: { max_size: 10, keep: 5, dateext: true, compress: 'gzip' },
    logrotate: ['size 10', 'rotate 5', 'dateext', 'compress', 'create'],
  },
  {
    name: 'copytruncate',
    files: { 'app.log': { content: lines(5, 'live') }, 'app.log.1': { content: 'one\n' } },
    vigil: { max_size: 10, keep: 3, mode: 'copytruncate' },
    logrotate: ['size 10', 'rotate 3', 'copytruncate'],
  },
  {
    name: 'daily, last rotated 2 days ago',
    files: { 'app.log': { content: lines(3, 'live') } },
    vigil: { when: 'daily', keep: 7 },
    logrotate: ['daily', 'rotate 7', 'create'],
    lastRotatedDaysAgo: 2,
  },
  {
    name: 'daily, already rotated today',
    files: { 'app.log': { content: lines(3, 'live') } },
    vigil: { when: 'daily', keep: 7 },
    logrotate: ['daily', 'rotate 7', 'create'],
    lastRotatedDaysAgo: 0,
  },
  {
    name: 'weekly, last rotated 8 days ago',
    files: { 'app.log': { content: lines(3, 'live') }, 'app.log.1': { content: 'one\n' } },
    vigil: { when: 'weekly', keep: 4 },
    logrotate: ['weekly', 'rotate 4', 'create'],
    lastRotatedDaysAgo: 8,
  },
  {
    name: 'monthly, last rotated 40 days ago',
    files: { 'app.log': { content: lines(3, 'live') } },
    vigil: { when: 'monthly', keep: 12 },
    logrotate: ['monthly', 'rotate 12', 'create'],
    lastRotatedDaysAgo: 40,
  },
  {
    name: 'daily but below min_size',
    files: { 'app.log': { content: 'tiny\n' } },
    vigil: { when: 'daily', min_size: 1000, keep: 7 },
    logrotate: ['daily', 'minsize 1000', 'rotate 7', 'create'],
    lastRotatedDaysAgo: 2,
  },
  {
    name: 'daily, max_size passed before the day is over',
    files: { 'app.log': { content: lines(50, 'live') } },
    vigil: { when: 'daily', max_size: 100, keep: 7 },
    logrotate: ['daily', 'maxsize 100', 'rotate 7', 'create'],
    lastRotatedDaysAgo: 0,
  },
  {
    name: 'empty file with not_if_empty',
    files: { 'app.log': { content: '' } },
    vigil: { when: 'daily', keep: 7, not_if_empty: true },
    logrotate: ['daily', 'rotate 7', 'notifempty', 'create'],
    lastRotatedDaysAgo: 2,
  },
  {
    name: 'empty file rotated by default (ifempty)',
    files: { 'app.log': { content: '' } },
    vigil: { when: 'daily', keep: 7 },
    logrotate: ['daily', 'rotate 7', 'create'],
    lastRotatedDaysAgo: 2,
  },
  {
    name: 'max_age drops old rotated files',
    files: {
      'app.log': { content: lines(5, 'live') },
      'app.log.1': { content: 'one\n', ageDays: 2 },
      'app.log.2': { content: 'two\n', ageDays: 10 },
      'app.log.3': { content: 'three\n', ageDays: 20 },
    },
    vigil: { max_size: 10, keep: 9, max_age: '5d' },
    logrotate: ['size 10', 'rotate 9', 'maxage 5', 'create'],
  },
  {
    name: 'olddir',
    files: { 'app.log': { content: lines(5, 'live') }, 'old/app.log.1': { content: 'one\n' } },
    vigil: { max_size: 10, keep: 2, olddir: 'old' },
    logrotate: ['size 10', 'rotate 2', 'olddir old', 'create'],
    dirs: ['old'],
  },
  {
    name: 'keep 0 keeps no rotated file',
    files: { 'app.log': { content: lines(5, 'live') } },
    vigil: { max_size: 10, keep: 0 },
    logrotate: ['size 10', 'rotate 0', 'create'],
  },
  {
    name: 'keep 0 with compress and dateext',
    files: { 'app.log': { content: lines(5, 'live') } },
    vigil: { max_size: 10, keep: 0, compress: 'gzip', dateext: true },
    logrotate: ['size 10', 'rotate 0', 'compress', 'dateext', 'create'],
  },
  {
    name: 'keep 0 with copytruncate',
    files: { 'app.log': { content: lines(5, 'live') } },
    vigil: { max_size: 10, keep: 0, mode: 'copytruncate' },
    logrotate: ['size 10', 'rotate 0', 'copytruncate'],
  },
  {
    name: 'keep 1 with delay_compress',
    files: { 'app.log': { content: lines(5, 'live') }, 'app.log.1': { content: 'one\n' } },
    vigil: { max_size: 10, keep: 1, compress: 'gzip', delay_compress: true },
    logrotate: ['size 10', 'rotate 1', 'compress', 'delaycompress', 'create'],
  },
];

describe.skipIf(!logrotate)('a glob that matches nothing: Vigil and logrotate agree', () => {
  it.each([false, true])('missing_ok: %s', (missingOk) => {
    const dir = path.join(root, `empty-glob-${missingOk}`);
    mkdirSync(path.join(dir, 'logs'), { recursive: true });
    const pattern = path.join(dir, 'logs', '*.log');
    const conf = path.join(dir, 'conf');
    writeFileSync(conf, `${pattern} {\n  rotate 1\n  size 1\n${missingOk ? '  missingok\n' : ''}}\n`);
    const peer = spawnSync(logrotate!, ['-s', path.join(dir, 'state'), conf], { encoding: 'utf8' });
    const opts = rotateSchema.parse({ max_size: 1, keep: 1, missing_ok: missingOk });
    if (missingOk) {
      expect(peer.status).toBe(0);
      expect(logFiles(pattern, opts)).toEqual([]);
    } else {
      expect(peer.status).not.toBe(0);
      expect(peer.stderr).toMatch(/No such file/);
      expect(() => logFiles(pattern, opts)).toThrow(/matches no file/);
    }
  });
});

function lay(dir: string, s: Scenario) {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (const d of s.dirs ?? []) mkdirSync(path.join(dir, d), { mode: 0o755 });
  for (const [name, f] of Object.entries(s.files)) {
    const p = path.join(dir, name);
    writeFileSync(p, f.content, { mode: 0o644 });
    const t = (now - (f.ageDays ?? 0) * day) / 1000;
    utimesSync(p, t, t);
  }
}

/** name → content (compressed files decompressed, so the compressor's header bytes do not matter) */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name === 'state' || e.name === 'conf') continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p, `${prefix}${e.name}/`);
      else {
        const b = readFileSync(p);
        out[prefix + e.name] = e.name.endsWith('.gz') ? `gz:${gunzipSync(b).toString()}` : b.toString();
      }
    }
  };
  walk(dir, '');
  return out;
}

const stateTime = (ms: number) => {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}-${d.getHours()}:${d.getMinutes()}:${d.getSeconds()}`;
};

describe.skipIf(!logrotate)('rotation: Vigil and logrotate agree', () => {
  it.each(scenarios)('$name', async (s) => {
    // logrotate reads the real clock: when local midnight falls inside a run, the two tools
    // saw different days, and the scenario runs again in fresh directories.
    for (let attempt = 0; ; attempt++) {
      now = Date.now();
      const checked = await compare(s, attempt);
      if (checked || attempt >= 1) return;
    }
  });
});

async function compare(s: Scenario, attempt: number): Promise<boolean> {
  {
    const base = path.join(root, `${s.name.replace(/\W+/g, '-')}-${attempt}`);
    const vDir = path.join(base, 'vigil', 'logs');
    const lDir = path.join(base, 'logrotate', 'logs');
    lay(vDir, s);
    lay(lDir, s);
    const last =
      s.lastRotatedDaysAgo === undefined
        ? undefined
        : s.lastRotatedDaysAgo === 0
          ? startOfToday(now) + 1000
          : now - s.lastRotatedDaysAgo * day;

    const opts = rotateSchema.parse(s.vigil);
    let recorded: number | undefined;
    await rotateFile(path.join(vDir, 'app.log'), opts, {
      now,
      lastRotated: async () => last,
      recordRotated: async (_f, at) => {
        recorded = at;
      },
    });

    const conf = path.join(base, 'logrotate', 'conf');
    const state = path.join(base, 'logrotate', 'state');
    writeFileSync(
      conf,
      `${path.join(lDir, 'app.log')} {\n${s.logrotate.map((l) => `  ${l}\n`).join('')}}\n`,
      { mode: 0o644 },
    );
    writeFileSync(
      state,
      `logrotate state -- version 2\n${last === undefined ? '' : `"${path.join(lDir, 'app.log')}" ${stateTime(last)}\n`}`,
    );
    execFileSync(logrotate!, ['-s', state, conf], { stdio: 'pipe' });
    if (new Date(now).toDateString() !== new Date().toDateString()) return false;

    expect(snapshot(vDir)).toEqual(snapshot(lDir));
    const rotated =
      Object.keys(snapshot(vDir)).length !== Object.keys(s.files).length ||
      snapshot(vDir)['app.log'] !== s.files['app.log']?.content.toString();
    if (rotated) expect(recorded).toBe(now);
    else expect(recorded).toBeUndefined();
    return true;
  }
}

function startOfToday(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

// today's dateext name, so a failure message shows what was expected
void today;
