import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

/** The real daemon, started as a user starts it: `vigil up` from the built package. */
const bin = path.resolve('bin/vigil.js');

export interface RunningVigil {
  child: ChildProcess;
  url: Promise<string>;
  exit: Promise<number | null>;
  /** stdout and stderr as they came */
  output(): string;
  /** stderr alone: the start line, the first password, and nothing else on a quiet daemon */
  stderr(): string;
}

export function startVigil(
  config: string,
  env: Record<string, string> = {},
  children: ChildProcess[] = [],
): RunningVigil {
  const child = spawn(process.execPath, [bin, 'up', '--config', config, '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  children.push(child);
  let output = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    output += d;
  });
  child.stderr!.on('data', (d) => {
    output += d;
    stderr += d;
  });
  const url = new Promise<string>((resolve, reject) => {
    const look = () => {
      const m =
        /Vigil is up: (http:\/\/\S+)/.exec(output) ??
        /"url":"(http:\/\/[^"]+)"[^\n]*Vigil is up/.exec(output);
      if (m) resolve(m[1]!);
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    child.once('exit', (code) => reject(new Error(`vigil exited ${code}: ${output}`)));
  });
  url.catch(() => {});
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, url, exit, output: () => output, stderr: () => stderr };
}

/** An admin API token for the store of `config`, made as a user makes one: `vigil token create`. */
export async function apiToken(config: string, env: Record<string, string> = {}): Promise<string> {
  const { execFile } = await import('node:child_process');
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      [bin, 'token', 'create', 'e2e', '--role', 'admin', '--json', '--config', config],
      { env: { ...process.env, ...env } },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    ),
  );
  return (JSON.parse(out) as { token: string }).token;
}

/** fetch with the token, for the API */
export const authed =
  (token: string) =>
  (url: string, init: RequestInit = {}): Promise<Response> =>
    fetch(url, {
      ...init,
      headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
    });

/** Ask until the answer satisfies `ok`, at most `withinMs`: for facts that appear on the daemon's own schedule. */
export async function eventually<T>(
  ask: () => Promise<T>,
  ok: (v: T) => boolean,
  withinMs: number,
): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const v = await ask();
    if (ok(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}
