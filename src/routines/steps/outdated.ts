import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { findLockfiles } from '../../audit/lockfiles.js';
import type { Outdated } from '../../audit/outdated.js';
import { duration } from '../../config/types.js';
import type { Finding } from '../types.js';
import { day, type StepKind } from './types.js';

const schema = z.strictObject({
  /** npm lockfiles (package-lock.json, yarn.lock, pnpm-lock.yaml), or folders searched for them */
  paths: z.array(z.string().min(1)).min(1),
  /** the registry asked, as npm's `registry` setting */
  registry: z.string().url().default('https://registry.npmjs.org'),
  /** where answers are kept between runs */
  cache: z.string().min(1).default('.vigil-cache/registry'),
  /** how long an answer is reused before the registry is asked again */
  cache_for: duration({ min: 60_000 }).prefault('24h'),
  timeout: duration({ min: 100, max: 120_000 }).prefault('10s'),
  /** a major update behind for longer than this needs attention */
  major_after: duration({ min: day }).prefault('180d'),
});

/** The project's own dependencies of a lockfile: its `direct` marks, else the package.json beside it. */
async function directOf(file: string, packages: { name: string; version: string; direct?: boolean }[]) {
  const marked = packages.filter((p) => p.direct);
  if (marked.length) return marked;
  const pkg = await readFile(path.join(path.dirname(file), 'package.json'), 'utf8')
    .then((t) => JSON.parse(t) as Record<string, Record<string, string> | undefined>)
    .catch(() => undefined);
  const names = new Set(Object.keys({ ...pkg?.dependencies, ...pkg?.devDependencies }));
  const { default: semver } = await import('semver');
  const best = new Map<string, string>();
  for (const p of packages)
    if (
      names.has(p.name) &&
      (!best.has(p.name) || (semver.valid(p.version) && semver.gt(p.version, best.get(p.name)!)))
    )
      best.set(p.name, p.version);
  return [...best].map(([name, version]) => ({ name, version }));
}

const age = (ms: number | null) => (ms === null ? 'age unknown' : `${Math.floor(ms / day)} days behind`);
const line = (o: Outdated) => `${o.name} ${o.current} → ${o.latest} (${age(o.behindMs)})`;

/**
 * Direct npm dependencies behind their latest release, grouped as Renovate's dashboard groups
 * them (major, minor, patch), with how long each has been behind. Answers are cached; with
 * the registry unreachable the step says so and uses what is cached.
 */
export const outdated: StepKind<z.output<typeof schema>> = {
  schema,
  title: () => 'Outdated dependencies',
  series: {
    dependencies_outdated: {
      help: 'Direct dependencies behind their latest release, by the update it takes',
      labels: ['update'],
    },
  },
  async run(spec, ctx) {
    const locks = await findLockfiles(spec.paths, ctx.baseDir);
    const findings: Finding[] = [];
    const wanted: { name: string; version: string }[] = [];
    for (const l of locks) {
      if (l.error) findings.push({ status: 'failed', text: `${l.file}: ${l.error}` });
      else if (l.ecosystem !== 'npm')
        findings.push({ status: 'ok', text: `${l.file}: only npm lockfiles are compared with a registry` });
      else
        for (const d of await directOf(path.resolve(ctx.baseDir, l.file), l.packages))
          if (!wanted.some((w) => w.name === d.name && w.version === d.version)) wanted.push(d);
    }
    const broken = findings.filter((f) => f.status === 'failed');
    if (!wanted.length)
      return broken.length
        ? {
            status: 'failed',
            reason: broken[0]!.text,
            summary: `no dependencies read: ${broken[0]!.text}`,
            findings,
          }
        : {
            status: 'skipped',
            reason: 'no direct npm dependencies found',
            summary: 'no direct npm dependencies found',
            findings,
          };
    // Loaded by a run, not with the config schema that lists every step kind.
    const { lookupLatest } = await import('../../audit/outdated.js');
    const r = await lookupLatest(wanted, {
      registry: spec.registry,
      cacheDir: path.resolve(ctx.baseDir, spec.cache),
      ttlMs: spec.cache_for,
      now: ctx.now,
      timeoutMs: spec.timeout,
    });
    if (r.offline && r.fromCache === 0)
      return {
        status: 'skipped',
        reason: `${spec.registry} unreachable (offline?) and nothing cached`,
        summary: `skipped: ${spec.registry} could not be reached and nothing is cached`,
        findings,
      };
    const groups = (['major', 'minor', 'patch'] as const).map((g) => ({
      g,
      list: r.outdated.filter((o) => o.update === g).sort((a, b) => (b.behindMs ?? 0) - (a.behindMs ?? 0)),
    }));
    for (const { g, list } of groups)
      if (list.length)
        findings.push({
          status:
            g === 'major' && list.some((o) => (o.behindMs ?? 0) > spec.major_after) ? 'attention' : 'ok',
          text: `${g}: ${list.map(line).join(', ')}`,
        });
    for (const f of r.failed) findings.push({ status: 'attention', text: `${f.name}: ${f.error}` });
    if (r.offline)
      findings.push({
        status: 'attention',
        text: `${spec.registry} unreachable: answers are from the cache`,
      });
    const counts = groups.filter((x) => x.list.length).map((x) => `${x.list.length} ${x.g}`);
    const oldest = [...r.outdated].sort((a, b) => (b.behindMs ?? 0) - (a.behindMs ?? 0))[0];
    const n = r.outdated.length;
    return {
      status: broken.length ? 'failed' : findings.some((f) => f.status === 'attention') ? 'attention' : 'ok',
      summary: n
        ? `${n} of ${wanted.length} direct dependencies behind: ${counts.join(', ')}; longest ${line(oldest!)}${r.offline ? ' (registry unreachable: from the cache)' : ''}`
        : `all ${wanted.length} direct dependencies are on their latest release`,
      findings,
      state: {
        behind: n,
        major: groups[0]!.list.length,
        minor: groups[1]!.list.length,
        patch: groups[2]!.list.length,
      },
      // only when every lockfile was compared: a partial count would read as "caught up"
      ...(broken.length
        ? {}
        : {
            series: groups.map(({ g, list }) => ({
              name: 'dependencies_outdated',
              labels: { update: g },
              value: list.length,
            })),
          }),
    };
  },
};
