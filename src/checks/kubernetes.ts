import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { KubeConfig, V1Deployment, V1Pod } from '@kubernetes/client-node';
import { z } from 'zod';
import { duration } from '../config/types.js';
import { describe } from '../errors.js';
import type { CheckKind, Sample } from './types.js';
import { age, type Finding, verdict } from './verdict.js';

const schema = z
  .strictObject({
    /** a kubeconfig file; default $KUBECONFIG, then ~/.kube/config */
    kubeconfig: z.string().min(1).optional(),
    /** a context of the kubeconfig; default its current-context */
    context: z.string().min(1).optional(),
    /** the pod's own service account, when Vigil runs inside the cluster */
    in_cluster: z.boolean().default(false),
    /** default: every namespace (needs a ClusterRole that may list pods cluster-wide) */
    namespaces: z.array(z.string().min(1)).min(1).optional(),
    /** `kubectl get pods -l …` */
    label_selector: z.string().min(1).optional(),
    /** how long a pod may be Pending or not Ready before it counts */
    not_ready_grace: duration().prefault('5m'),
    /** restarts and OOM kills this recent are reported */
    restart_window: duration().prefault('1h'),
    deployments: z.boolean().default(true),
  })
  .refine((s) => !(s.in_cluster && (s.kubeconfig || s.context)), {
    message: 'in_cluster uses the service account; kubeconfig and context do not apply',
    params: { hint: 'remove kubeconfig/context, or in_cluster' },
  });

export type KubernetesSpec = z.output<typeof schema>;

/** Waiting or terminated reasons that mean the pod is broken now, whatever its age. */
const broken = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'InvalidImageName',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'OOMKilled',
  'Error',
  'ContainerStatusUnknown',
  'Evicted',
]);

/**
 * Pods and deployments through the official client, the way the morning
 * `kubectl get pods --all-namespaces` shows them. The client is imported when
 * a kubernetes check first runs: it takes about half a second to load, which
 * every other `vigil` command would otherwise pay.
 */
export const kubernetesCheck: CheckKind<KubernetesSpec> = {
  schema,
  series: [
    'kube_pods',
    'kube_pods_not_ready',
    'kube_pod_restarts',
    'kube_deployment_replicas_desired',
    'kube_deployment_replicas_available',
  ],
  target: (spec) =>
    spec.in_cluster
      ? 'in-cluster'
      : `${spec.kubeconfig ?? '~/.kube/config'}${spec.context ? ` (${spec.context})` : ''}`,
  async run(spec, ctx) {
    const started = performance.now();
    const k8s = await import('@kubernetes/client-node');
    const done = (status: 'critical', message: string) => ({
      status,
      message,
      durationMs: performance.now() - started,
    });
    let kc: KubeConfig;
    try {
      kc = load(new k8s.KubeConfig(), spec);
    } catch (e) {
      return done('critical', describe(e));
    }
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const apps = kc.makeApiClient(k8s.AppsV1Api);
    const selector = spec.label_selector ? { labelSelector: spec.label_selector } : {};
    const scopes = spec.namespaces ?? [undefined];
    const findings: Finding[] = [];
    const pods: V1Pod[] = [];
    const deployments: V1Deployment[] = [];
    try {
      for (const namespace of scopes) {
        const where = namespace ? `namespace ${namespace}` : 'all namespaces';
        const listed = await denied(
          namespace
            ? core.listNamespacedPod({ namespace, ...selector })
            : core.listPodForAllNamespaces(selector),
          `pods in ${where}`,
          findings,
        );
        pods.push(...(listed?.items ?? []));
        if (spec.deployments) {
          const deps = await denied(
            namespace
              ? apps.listNamespacedDeployment({ namespace, ...selector })
              : apps.listDeploymentForAllNamespaces(selector),
            `deployments in ${where}`,
            findings,
          );
          deployments.push(...(deps?.items ?? []));
        }
      }
    } catch (e) {
      const cluster = kc.getCurrentCluster()?.server ?? 'the API server';
      if (ctx.signal.aborted) return done('critical', `timed out after ${ctx.timeoutMs}ms`);
      if (statusOf(e) === 401) {
        return done(
          'critical',
          `unauthorized (401): ${cluster} refused the credentials of context "${kc.getCurrentContext()}": expired token or certificate?`,
        );
      }
      return done('critical', `${cluster}: ${describeApiError(e)}`);
    }
    const now = ctx.now();
    const samples = [...judgePods(spec, pods, now, findings), ...judgeDeployments(deployments, findings)];
    const notReady = samples.filter((s) => s.name === 'kube_pods_not_ready').reduce((n, s) => n + s.value, 0);
    return {
      ...verdict(
        findings,
        `${pods.length - notReady} of ${pods.length} pods ready or completed` +
          (spec.deployments ? `, ${deployments.length} deployments available` : ''),
      ),
      samples,
      durationMs: performance.now() - started,
    };
  },
};

function load(kc: KubeConfig, spec: KubernetesSpec): KubeConfig {
  if (spec.in_cluster) {
    // Outside a pod the client would still build a config, for https://undefined:undefined.
    if (!process.env.KUBERNETES_SERVICE_HOST) {
      throw new Error('in_cluster, but KUBERNETES_SERVICE_HOST is not set: Vigil is not running in a pod');
    }
    kc.loadFromCluster();
    return kc;
  }
  const file =
    spec.kubeconfig ??
    process.env.KUBECONFIG?.split(path.delimiter)[0] ??
    path.join(os.homedir(), '.kube', 'config');
  try {
    kc.loadFromFile(file);
  } catch (e) {
    throw new Error(`cannot read kubeconfig ${file}: ${describe(e)}`);
  }
  if (spec.context) {
    if (!kc.getContextObject(spec.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new Error(
        `no context "${spec.context}" in ${file}${known.length ? `; it has: ${known.join(', ')}` : ''}`,
      );
    }
    kc.setCurrentContext(spec.context);
  }
  if (!kc.getCurrentCluster())
    throw new Error(`${file} names no cluster for context "${kc.getCurrentContext()}"`);
  return kc;
}

/** A 403 is a finding about that list, not the end of the check; anything else ends it. */
async function denied<T>(list: Promise<T>, what: string, findings: Finding[]): Promise<T | undefined> {
  try {
    return await list;
  } catch (e) {
    if (statusOf(e) !== 403) throw e;
    findings.push({ status: 'critical', text: `forbidden: cannot list ${what}`, rank: 1e15 });
    return undefined;
  }
}

function statusOf(e: unknown): number | undefined {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

/** The client's errors carry the raw response; the API server's Status message is the readable part. */
function describeApiError(e: unknown): string {
  const code = statusOf(e);
  if (code === undefined) return describe(e);
  let body = (e as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {}
  }
  const message = (body as { message?: unknown } | undefined)?.message;
  return `HTTP ${code}${typeof message === 'string' ? `: ${message}` : ''}`;
}

const ms = (d: Date | string | undefined | null): number | undefined =>
  d === undefined || d === null ? undefined : new Date(d).getTime();

function judgePods(spec: KubernetesSpec, pods: V1Pod[], now: number, findings: Finding[]): Sample[] {
  const samples: Sample[] = [];
  const notReady = new Map<string, number>();
  const phases = new Map<string, number>();
  for (const pod of pods) {
    const namespace = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    const phase = pod.status?.phase ?? 'Unknown';
    const containers = pod.status?.containerStatuses ?? [];
    const created = ms(pod.metadata?.creationTimestamp) ?? now;
    const everyContainer = [...(pod.status?.initContainerStatuses ?? []), ...containers];
    const restarts = everyContainer.reduce((n, c) => n + c.restartCount, 0);
    const lastRestart = Math.max(
      0,
      ...everyContainer.map((c) => ms(c.lastState?.terminated?.finishedAt) ?? 0),
    );
    const oomKilled = containers.some(
      (c) =>
        c.lastState?.terminated?.reason === 'OOMKilled' &&
        now - (ms(c.lastState.terminated.finishedAt) ?? 0) <= spec.restart_window,
    );
    // kubectl's STATUS column: an unfinished init container's state, else the pod's reason,
    // else a container's waiting or terminated reason, else the phase.
    let status = pod.status?.reason ?? phase;
    const inits = pod.status?.initContainerStatuses ?? [];
    const initIndex = inits.findIndex((c) => c.state?.terminated?.exitCode !== 0);
    const init = inits[initIndex];
    if (init) {
      const waiting = init.state?.waiting?.reason;
      const ended = init.state?.terminated;
      status =
        waiting && waiting !== 'PodInitializing'
          ? `Init:${waiting}`
          : ended
            ? `Init:${ended.reason ?? `ExitCode:${ended.exitCode}`}`
            : `Init:${initIndex}/${inits.length}`;
    } else {
      for (const c of containers) {
        if (c.state?.waiting?.reason) status = c.state.waiting.reason;
        else if (c.state?.terminated)
          status = c.state.terminated.reason ?? `ExitCode:${c.state.terminated.exitCode}`;
      }
    }
    if (phase === 'Succeeded') status = 'Completed';
    if (pod.metadata?.deletionTimestamp) status = 'Terminating';
    const readyCondition = pod.status?.conditions?.find((c) => c.type === 'Ready');
    const ready = readyCondition?.status === 'True';
    const phaseKey = `${namespace}\0${phase}`;
    phases.set(phaseKey, (phases.get(phaseKey) ?? 0) + 1);
    // Every namespace seen gets a value, 0 included, so a namespace that recovers reads 0 rather than going stale.
    notReady.set(namespace, (notReady.get(namespace) ?? 0) + (!ready && phase !== 'Succeeded' ? 1 : 0));
    if (restarts > 0)
      samples.push({ name: 'kube_pod_restarts', labels: { namespace, pod: name }, value: restarts });

    const readyCount = containers.filter((c) => c.ready).length;
    const restartText = restarts
      ? `, ${restarts} restarts${lastRestart ? ` (last ${age(now - lastRestart)} ago)` : ''}`
      : '';
    const row = `${namespace}/${name} ${readyCount}/${containers.length || pod.spec?.containers.length || 0} ${status}`;
    if (phase === 'Succeeded') continue;
    if (broken.has(status.replace(/^Init:/, '')) || phase === 'Failed') {
      findings.push({ status: 'critical', text: `${row}${restartText}`, rank: 1e12 + restarts });
    } else if (oomKilled) {
      findings.push({
        status: 'critical',
        text: `${row}, OOMKilled ${age(now - lastRestart)} ago${restartText}`,
        rank: 1e12 + restarts,
      });
    } else if (!ready) {
      const since = ms(readyCondition?.lastTransitionTime) ?? created;
      if (now - since > spec.not_ready_grace) {
        findings.push({
          status: 'critical',
          text: `${row}, not ready for ${age(now - since)}${restartText}`,
          rank: now - since,
        });
      }
    } else if (lastRestart && now - lastRestart <= spec.restart_window) {
      findings.push({ status: 'warning', text: `${row}${restartText}`, rank: restarts });
    }
  }
  for (const [namespace, n] of notReady)
    samples.push({ name: 'kube_pods_not_ready', labels: { namespace }, value: n });
  for (const [key, n] of phases) {
    const [namespace, phase] = key.split('\0') as [string, string];
    samples.push({ name: 'kube_pods', labels: { namespace, phase }, value: n });
  }
  return samples;
}

function judgeDeployments(deployments: V1Deployment[], findings: Finding[]): Sample[] {
  const samples: Sample[] = [];
  for (const d of deployments) {
    const namespace = d.metadata?.namespace ?? '';
    const name = d.metadata?.name ?? '';
    const desired = d.spec?.replicas ?? 1;
    const available = d.status?.availableReplicas ?? 0;
    const labels = { namespace, deployment: name };
    samples.push(
      { name: 'kube_deployment_replicas_desired', labels, value: desired },
      { name: 'kube_deployment_replicas_available', labels, value: available },
    );
    const conditions = d.status?.conditions ?? [];
    const unavailable = conditions.find((c) => c.type === 'Available' && c.status === 'False');
    const stuck = conditions.find((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded');
    const row = `deployment ${namespace}/${name} ${available}/${desired} available`;
    if (unavailable || stuck) {
      findings.push({
        status: 'critical',
        text: `${row} (${(stuck ?? unavailable)!.reason})`,
        rank: 1e12 + desired - available,
      });
    } else if (available < desired) {
      // During a rolling update this is expected, so it warns; a rollout that stalls turns critical above.
      findings.push({ status: 'warning', text: row, rank: desired - available });
    }
  }
  return samples;
}
