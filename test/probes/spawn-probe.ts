import { type ChildProcess, execFile, spawn } from 'node:child_process';
import path from 'node:path';

const bin = path.resolve('bin/vigil.js');

export interface RunningProbe {
  child: ChildProcess;
  /** resolves once the agent says it is up */
  up: Promise<void>;
  exit: Promise<number | null>;
  output(): string;
}

/** `vigil probe` as a user starts it; in a network namespace when `netns` is given (`ip netns exec`). */
export function startProbe(
  o: { server: string; token: string; location: string; stateDir: string; netns?: string; pushMs?: number },
  children: ChildProcess[],
): RunningProbe {
  const args = [
    bin,
    'probe',
    '--server',
    o.server,
    '--location',
    o.location,
    '--state-dir',
    o.stateDir,
    '--push',
    String(o.pushMs ?? 300),
    '--poll',
    '1000',
  ];
  const [cmd, argv] = o.netns
    ? ['ip', ['netns', 'exec', o.netns, process.execPath, ...args]]
    : [process.execPath, args];
  const child = spawn(cmd as string, argv as string[], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // the token from the environment, as the README advises, out of the process list
    env: { ...process.env, VIGIL_PROBE_TOKEN: o.token },
  });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (d) => {
    output += d;
  });
  child.stderr!.on('data', (d) => {
    output += d;
  });
  const up = new Promise<void>((resolve, reject) => {
    const look = () => {
      if (output.includes('Vigil probe is up')) resolve();
    };
    child.stderr!.on('data', look);
    child.once('exit', (code) => reject(new Error(`vigil probe exited ${code}: ${output}`)));
  });
  up.catch(() => {});
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, up, exit, output: () => output };
}

/** A probe token for `location`, made as a user makes one: `vigil token create … --role probe`. */
export function probeToken(config: string, location: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      process.execPath,
      [
        bin,
        'token',
        'create',
        `${location}-probe`,
        '--role',
        'probe',
        '--location',
        location,
        '--json',
        '--config',
        config,
      ],
      (err, stdout, stderr) =>
        err
          ? reject(new Error(`${err.message}\n${stderr}`))
          : resolve((JSON.parse(stdout) as { token: string }).token),
    ),
  );
}

/** `vigil up` on a port of the test's choosing, so agents find it again after a restart. */
export function startServerOn(config: string, port: number, children: ChildProcess[], host = '127.0.0.1') {
  const child = spawn(process.execPath, [bin, 'up', '--config', config, '--listen', `${host}:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, VIGIL_ADMIN_PASSWORD: 'a-long-enough-password' },
  });
  children.push(child);
  let output = '';
  const up = new Promise<void>((resolve, reject) => {
    const look = (d: Buffer) => {
      output += d;
      if (output.includes('Vigil is up')) resolve();
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', look);
    child.once('exit', (code) => reject(new Error(`vigil exited ${code}: ${output}`)));
  });
  up.catch(() => {});
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, up, exit, output: () => output };
}
