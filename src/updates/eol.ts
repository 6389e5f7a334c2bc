import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Exec } from './exec.js';

/** One release cycle in the endoflife.date API form (`GET /api/<product>.json`). */
export interface Cycle {
  cycle: string;
  releaseDate?: string;
  /** the end-of-life date, or true (ended, date unknown) / false (no end set) */
  eol: string | boolean;
  latest?: string;
  lts?: boolean | string;
  support?: string | boolean;
}

/** Where endoflife.date serves its product files. */
export const endoflifeBase = 'https://endoflife.date';

const names: Record<string, string> = {
  nodejs: 'Node.js',
  postgresql: 'PostgreSQL',
  python: 'Python',
  nginx: 'nginx',
  redis: 'Redis',
  mariadb: 'MariaDB',
  mysql: 'MySQL',
  debian: 'Debian',
  ubuntu: 'Ubuntu',
  docker: 'Docker',
  kubernetes: 'Kubernetes',
  php: 'PHP',
  ruby: 'Ruby',
  go: 'Go',
};
export const displayName = (product: string) => names[product] ?? product;

/** How the installed version of a product is asked for, when the config gives none. */
export const versionCommands: Record<string, string[]> = {
  nodejs: ['node', '--version'],
  postgresql: ['psql', '--version'],
  python: ['python3', '--version'],
  nginx: ['nginx', '-v'],
  redis: ['redis-server', '--version'],
  mariadb: ['mariadb', '--version'],
  mysql: ['mysql', '--version'],
  php: ['php', '--version'],
  ruby: ['ruby', '--version'],
  go: ['go', 'version'],
  docker: ['docker', 'version', '--format', '{{.Server.Version}}'],
};

/** The first dotted number in a tool's banner: "psql (PostgreSQL) 15.5" → 15.5; "v20.19.2" → 20.19.2. */
export const versionIn = (text: string) => /(\d+(?:\.\d+)*)/.exec(text.replace(/\bv(?=\d)/, ''))?.[1];

/** The installed version of a product from its command, or why it is not known. */
export async function installedVersion(
  exec: Exec,
  product: string,
  command?: readonly string[],
): Promise<{ version?: string; error?: string }> {
  if (product === 'debian' || product === 'ubuntu') {
    const os = await readFile('/etc/os-release', 'utf8').catch(() => '');
    const v = /^VERSION_ID="?([^"\n]+)"?/m.exec(os)?.[1];
    return v ? { version: v } : { error: 'no VERSION_ID in /etc/os-release' };
  }
  const argv = command ?? versionCommands[product];
  if (!argv) return { error: `no version given and no known command for ${product}: set version or command` };
  const r = await exec(argv, { timeoutMs: 10_000 });
  if (r.error) return { error: r.error };
  const v = versionIn(`${r.stdout}\n${r.stderr}`);
  return v ? { version: v } : { error: `${argv.join(' ')} printed no version` };
}

/** The cycle a version belongs to: the longest cycle name equal to it or a prefix of it at a dot. */
export function cycleOf(cycles: readonly Cycle[], version: string): Cycle | undefined {
  return cycles
    .filter((c) => version === String(c.cycle) || version.startsWith(`${c.cycle}.`))
    .sort((a, b) => String(b.cycle).length - String(a.cycle).length)[0];
}

/**
 * The cycles of a product from `source`: a folder of `<product>.json` files (what
 * `vigil eol update` writes) or one JSON file `{ "<product>": [cycles…] }`.
 */
export async function readCycles(source: string, product: string): Promise<Cycle[]> {
  const st = await stat(source).catch(() => undefined);
  if (!st)
    throw new Error(`no end-of-life data: ${source} is missing (run \`vigil eol update\` or write it)`);
  const file = st.isDirectory() ? path.join(source, `${product}.json`) : source;
  const text = await readFile(file, 'utf8').catch(() => {
    throw new Error(
      `no end-of-life data for ${product}: ${file} is missing (run \`vigil eol update --products ${product}\`)`,
    );
  });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not JSON`);
  }
  const cycles = st.isDirectory() ? doc : (doc as Record<string, unknown>)?.[product];
  if (!Array.isArray(cycles))
    throw new Error(
      `${file} has no cycles for ${product} (the endoflife.date form: an array of { cycle, eol, … })`,
    );
  return cycles.filter((c): c is Cycle => typeof c === 'object' && c !== null && 'cycle' in c && 'eol' in c);
}

/** Download `<base>/api/<product>.json` for each product into `<dir>/<product>.json`. */
export async function updateEol(opts: {
  dir: string;
  products: readonly string[];
  base?: string;
  fetch?: typeof globalThis.fetch;
  timeoutMs?: number;
}): Promise<{ product: string; cycles?: number; error?: string }[]> {
  const doFetch = opts.fetch ?? globalThis.fetch;
  const base = (opts.base ?? endoflifeBase).replace(/\/+$/, '');
  await mkdir(opts.dir, { recursive: true });
  const out: { product: string; cycles?: number; error?: string }[] = [];
  for (const product of opts.products) {
    const url = `${base}/api/${encodeURIComponent(product)}.json`;
    try {
      const res = await doFetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000) });
      if (!res.ok) throw new Error(`${url} answered ${res.status}`);
      const body = (await res.json().catch(() => undefined)) as unknown;
      if (!Array.isArray(body)) throw new Error(`${url} did not send a list of cycles`);
      const file = path.join(opts.dir, `${product}.json`);
      await writeFile(`${file}.part`, JSON.stringify(body, null, 2));
      await rename(`${file}.part`, file);
      out.push({ product, cycles: body.length });
    } catch (e) {
      const err = e as Error;
      out.push({ product, error: err.name === 'TimeoutError' ? `${url} timed out` : err.message });
    }
  }
  return out;
}
