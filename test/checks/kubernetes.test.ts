import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubernetesCheck } from '../../src/checks/kubernetes.js';
import { makeCtx } from './ctx.js';
import { expiredToken, fakeKubernetes, writeKubeconfig } from './fake-kubernetes.js';

/** the instant the fixtures describe */
const now = Date.parse('2026-11-27T10:00:00Z');
const ctx = () => makeCtx({ now: () => now });
const parse = (spec: Record<string, unknown>) => kubernetesCheck.schema.parse(spec);

let api: Awaited<ReturnType<typeof fakeKubernetes>>;
let kubeconfig: string;
beforeAll(async () => {
  api = await fakeKubernetes();
  kubeconfig = writeKubeconfig(api.url);
});
afterAll(() => api.close());

describe('kubernetes check, against an API server over HTTPS', () => {
  it('names the broken pods the way kubectl get pods shows them, worst first, and deployments short of replicas', async () => {
    const out = await kubernetesCheck.run(parse({ kubeconfig }), ctx());
    expect(out.status).toBe('critical');
    expect(out.message).toBe(
      [
        'shop/api-7f9c8d6b5-k8s2m 0/1 CrashLoopBackOff, 12 restarts (last 118s ago)',
        'shop/ledger-5f7d8b9c6-t4wz8 0/1 Init:CrashLoopBackOff, 6 restarts (last 5m ago)',
        'shop/worker-5b8d9c7f6-qw7zt 1/1 Running, OOMKilled 9m ago, 3 restarts (last 9m ago)',
        'deployment shop/api 0/1 available (MinimumReplicasUnavailable)',
        'shop/frontend-84c6f5d7b9-mz5rd 0/1 ImagePullBackOff',
        'and 2 more',
      ].join('; '),
    );
    expect(api.requests).toEqual(['/api/v1/pods', '/apis/apps/v1/deployments']);
    expect(out.samples).toContainEqual({
      name: 'kube_pods_not_ready',
      labels: { namespace: 'shop' },
      value: 5,
    });
    expect(out.samples).toContainEqual({
      name: 'kube_pods_not_ready',
      labels: { namespace: 'kube-system' },
      value: 0,
    });
    expect(out.samples).toContainEqual({
      name: 'kube_pod_restarts',
      labels: { namespace: 'shop', pod: 'api-7f9c8d6b5-k8s2m' },
      value: 12,
    });
    expect(out.samples).toContainEqual({
      name: 'kube_deployment_replicas_available',
      labels: { namespace: 'shop', deployment: 'frontend' },
      value: 3,
    });
  });

  it('names a pod not ready past its grace, with how long', async () => {
    const out = await kubernetesCheck.run(
      parse({ kubeconfig, label_selector: 'app.kubernetes.io/name=cache' }),
      ctx(),
    );
    expect(out).toMatchObject({ status: 'critical', message: 'shop/cache-0 0/1 Running, not ready for 8m' });
    const patient = await kubernetesCheck.run(
      parse({ kubeconfig, label_selector: 'app.kubernetes.io/name=cache', not_ready_grace: '10m' }),
      ctx(),
    );
    expect(patient.status).toBe('ok');
  });

  it('scopes by namespace and label selector; a pending pod inside its grace is fine', async () => {
    api.requests.length = 0;
    const system = await kubernetesCheck.run(parse({ kubeconfig, namespaces: ['kube-system'] }), ctx());
    expect(system).toMatchObject({
      status: 'ok',
      message: '1 of 1 pods ready or completed, 1 deployments available',
    });
    expect(api.requests).toEqual([
      '/api/v1/namespaces/kube-system/pods',
      '/apis/apps/v1/namespaces/kube-system/deployments',
    ]);
    const search = await kubernetesCheck.run(
      parse({
        kubeconfig,
        label_selector: 'app.kubernetes.io/name in (search)'.replace(' in (search)', '=search'),
      }),
      ctx(),
    );
    expect(search).toMatchObject({
      status: 'ok',
      message: '0 of 1 pods ready or completed, 0 deployments available',
    });
    expect(api.requests.at(-2)).toBe('/api/v1/pods?labelSelector=app.kubernetes.io%2Fname%3Dsearch');
  });

  it('reports a forbidden namespace as forbidden, not as "no pods"', async () => {
    const out = await kubernetesCheck.run(
      parse({ kubeconfig, namespaces: ['billing', 'kube-system'] }),
      ctx(),
    );
    expect(out.status).toBe('critical');
    expect(out.message).toBe(
      'forbidden: cannot list pods in namespace billing; forbidden: cannot list deployments in namespace billing',
    );
  });

  it('reports an expired token as 401 with the context; a bad kubeconfig, context or unreachable server plainly', async () => {
    const stale = await kubernetesCheck.run(parse({ kubeconfig, context: 'stale' }), ctx());
    expect(stale).toMatchObject({
      status: 'critical',
      message: `unauthorized (401): ${api.url} refused the credentials of context "stale": expired token or certificate?`,
    });
    expect(stale.message).not.toContain(expiredToken);

    const missing = await kubernetesCheck.run(parse({ kubeconfig: '/nonexistent/kubeconfig' }), ctx());
    expect(missing.status).toBe('critical');
    expect(missing.message).toMatch(/^cannot read kubeconfig \/nonexistent\/kubeconfig: .*ENOENT/);

    const garbage = path.join(path.dirname(kubeconfig), 'garbage');
    writeFileSync(garbage, 'clusters: [ {{{');
    const broken = await kubernetesCheck.run(parse({ kubeconfig: garbage }), ctx());
    expect(broken.status).toBe('critical');
    expect(broken.message).toMatch(/^cannot read kubeconfig .*garbage: /);

    const closed = path.join(path.dirname(kubeconfig), 'closed');
    writeFileSync(closed, readFileSync(kubeconfig, 'utf8').replace(api.url, 'https://127.0.0.1:1'));
    const down = await kubernetesCheck.run(parse({ kubeconfig: closed }), ctx());
    expect(down).toMatchObject({
      status: 'critical',
      message: expect.stringMatching(/^https:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/),
    });

    if (!process.env.KUBERNETES_SERVICE_HOST) {
      const outside = await kubernetesCheck.run(parse({ in_cluster: true }), ctx());
      expect(outside.message).toBe(
        'in_cluster, but KUBERNETES_SERVICE_HOST is not set: Vigil is not running in a pod',
      );
    }

    const nope = await kubernetesCheck.run(parse({ kubeconfig, context: 'nope' }), ctx());
    expect(nope.message).toBe(`no context "nope" in ${kubeconfig}; it has: prod, stale`);
  });
});
