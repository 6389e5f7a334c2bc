import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';

const fixtures = path.resolve('test/fixtures/docker');
const read = (file: string) => JSON.parse(readFileSync(path.join(fixtures, file), 'utf8'));

interface Summary {
  Id: string;
  Names: string[];
  Labels: Record<string, string>;
}

/**
 * A Docker Engine on a unix socket, answering from the v1.43 fixtures: /_ping,
 * /v1.43/containers/json with `all` and `filters` (name as a regular
 * expression, label as key or key=value, the daemon's own semantics) and
 * /v1.43/containers/{id}/json. Other versions are refused the way the daemon
 * refuses a client too new for it.
 */
export async function fakeDocker(): Promise<{ socket: string; requests: string[]; close(): Promise<void> }> {
  const socket = path.join(mkdtempSync(path.join(tmpdir(), 'vigil-docker-')), 'docker.sock');
  const requests: string[] = [];
  const list = read('containers.json') as Summary[];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    const url = new URL(req.url ?? '/', 'http://docker');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'api-version': '1.43',
        'docker-experimental': 'false',
        ostype: 'linux',
        server: 'Docker/24.0.7 (linux)',
      });
      res.end(typeof body === 'string' ? body : `${JSON.stringify(body)}\n`);
    };
    if (url.pathname === '/_ping') return send(200, 'OK');
    const m = /^\/v(\d+\.\d+)(\/.*)$/.exec(url.pathname);
    if (m && m[1] !== '1.43') {
      return send(400, {
        message: `client version ${m[1]} is too new. Maximum supported API version is 1.43`,
      });
    }
    const route = m ? m[2]! : url.pathname;
    if (route === '/containers/json') {
      const filters = JSON.parse(url.searchParams.get('filters') ?? '{}') as Record<string, string[]>;
      const all = url.searchParams.get('all') === '1';
      const found = list.filter((c) => {
        const full = read(`inspect-${c.Names[0]!.slice(1)}.json`);
        if (!all && !full.State.Running) return false;
        if (filters.name && !filters.name.some((n) => c.Names.some((x) => new RegExp(n).test(x))))
          return false;
        for (const l of filters.label ?? []) {
          const [k, v] = l.split('=', 2) as [string, string | undefined];
          if (!(k in c.Labels) || (v !== undefined && c.Labels[k] !== v)) return false;
        }
        return true;
      });
      return send(200, found);
    }
    const inspect = /^\/containers\/([^/]+)\/json$/.exec(route);
    if (inspect) {
      const id = decodeURIComponent(inspect[1]!);
      const c = list.find((x) => x.Id === id || x.Id.startsWith(id) || x.Names.includes(`/${id}`));
      return c
        ? send(200, read(`inspect-${c.Names[0]!.slice(1)}.json`))
        : send(404, { message: `No such container: ${id}` });
    }
    send(404, { message: 'page not found' });
  });
  await new Promise<void>((r) => server.listen(socket, r));
  return { socket, requests, close: () => new Promise((r) => server.close(() => r())) };
}
