import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const fixtures = path.resolve('test/fixtures/kubernetes');
const read = (file: string) => readFileSync(path.join(fixtures, file), 'utf8');

export const goodToken = 'vigil-reader-token';
export const expiredToken = 'expired-token';

interface Item {
  metadata: { namespace: string; labels?: Record<string, string> };
}

/** Equality- and existence-based label selectors: `a=b,c!=d,e,!f`. */
function matches(selector: string | null, labels: Record<string, string> = {}): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const ne = /^([^!=]+)!=(.*)$/.exec(term);
    if (ne) return labels[ne[1]!] !== ne[2];
    const eq = /^([^!=]+)==?(.*)$/.exec(term);
    if (eq) return labels[eq[1]!] === eq[2];
    if (term.startsWith('!')) return !(term.slice(1) in labels);
    return term in labels;
  });
}

/**
 * A Kubernetes API server over HTTPS (the fixture certificate) answering the
 * list calls the kubernetes check makes, from the fixtures: pods and
 * deployments, cluster-wide and per namespace, with label selectors. Bearer
 * tokens: `goodToken` may list everything but namespace "billing" (403, as
 * RBAC answers); any other token gets 401.
 */
export async function fakeKubernetes() {
  const pods = JSON.parse(read('pods.json'));
  const deployments = JSON.parse(read('deployments.json'));
  const requests: string[] = [];
  const server = https.createServer(
    { key: read('apiserver.key'), cert: read('apiserver.crt') },
    (req, res) => {
      requests.push(req.url ?? '');
      const url = new URL(req.url ?? '/', 'https://127.0.0.1');
      const send = (status: number, body: string) => {
        res.writeHead(status, {
          'content-type': 'application/json',
          'audit-id': '0b2c5e0a-6f7d-4e8b-9a1c-2d3e4f5a6b7c',
        });
        res.end(body);
      };
      if (req.headers.authorization !== `Bearer ${goodToken}`) return send(401, read('status-401.json'));
      const m =
        /^\/api\/v1(?:\/namespaces\/([^/]+))?\/pods$/.exec(url.pathname) ??
        /^\/apis\/apps\/v1(?:\/namespaces\/([^/]+))?\/deployments$/.exec(url.pathname);
      if (!m)
        return send(
          404,
          JSON.stringify({
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            message: 'the server could not find the requested resource',
            reason: 'NotFound',
            code: 404,
          }),
        );
      const namespace = m[1];
      const isPods = url.pathname.endsWith('/pods');
      if (namespace === 'billing') {
        const status = JSON.parse(read('status-403.json'));
        if (!isPods) {
          status.message = status.message
            .replace('"pods"', '"deployments"')
            .replace('group ""', 'group "apps"');
          status.details.kind = 'deployments';
        }
        return send(403, JSON.stringify(status));
      }
      const list = structuredClone(isPods ? pods : deployments) as { items: Item[] };
      list.items = list.items.filter(
        (i) =>
          (!namespace || i.metadata.namespace === namespace) &&
          matches(url.searchParams.get('labelSelector'), i.metadata.labels),
      );
      send(200, JSON.stringify(list));
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, requests, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A kubeconfig for the fake server: context "prod" with a good token, "stale" with an expired one. */
export function writeKubeconfig(serverUrl: string): string {
  const ca = Buffer.from(read('apiserver.crt')).toString('base64');
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'vigil-kube-')), 'config');
  writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: shop',
      '  cluster:',
      `    server: ${serverUrl}`,
      `    certificate-authority-data: ${ca}`,
      'users:',
      '- name: vigil',
      '  user:',
      `    token: ${goodToken}`,
      '- name: old',
      '  user:',
      `    token: ${expiredToken}`,
      'contexts:',
      '- name: prod',
      '  context: { cluster: shop, user: vigil }',
      '- name: stale',
      '  context: { cluster: shop, user: old }',
      'current-context: prod',
      '',
    ].join('\n'),
  );
  return file;
}
