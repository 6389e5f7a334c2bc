/** One resource (Terraform) or task on a host (Ansible) that differs from the code. */
export interface DriftItem {
  /** `aws_instance.web`, or `localhost: config file is in place` */
  what: string;
  /** create, update, delete, replace…; `changed` for Ansible */
  action: string;
}

export interface DriftReport {
  items: DriftItem[];
  /** errors the tool reported (diagnostics, failed tasks, unreachable hosts) */
  errors: string[];
}

/**
 * `terraform plan -json` (and OpenTofu's) machine-readable UI: one JSON object a line. The
 * resources come from `planned_change` (what apply would do) and `resource_drift` (what changed
 * outside Terraform); errors from `diagnostic` at level error. A line that is not JSON is a
 * parse error, thrown: the output was not what -json promises.
 */
export function parseTerraformPlan(text: string): DriftReport {
  const byAddr = new Map<string, string>();
  const errors: string[] = [];
  let lines = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    let msg: {
      type?: string;
      '@level'?: string;
      '@message'?: string;
      change?: { resource?: { addr?: string }; action?: string };
      diagnostic?: { severity?: string; summary?: string; detail?: string };
    };
    try {
      msg = JSON.parse(line);
    } catch {
      throw new Error(`the plan output is not JSON lines (line ${lines + 1}: ${line.slice(0, 80)})`);
    }
    lines++;
    if ((msg.type === 'planned_change' || msg.type === 'resource_drift') && msg.change?.resource?.addr) {
      const action = msg.change.action ?? 'update';
      if (action === 'noop' || action === 'read') continue;
      // a planned change of a drifted resource is the same resource: keep the planned action
      if (msg.type === 'planned_change' || !byAddr.has(msg.change.resource.addr))
        byAddr.set(msg.change.resource.addr, action);
    } else if (msg.type === 'diagnostic' && msg.diagnostic?.severity === 'error')
      errors.push([msg.diagnostic.summary, msg.diagnostic.detail].filter(Boolean).join(': '));
  }
  if (!lines) throw new Error('the plan printed nothing');
  return { items: [...byAddr].map(([what, action]) => ({ what, action })), errors };
}

interface AnsibleJson {
  plays?: {
    tasks?: {
      task?: { name?: string };
      hosts?: Record<
        string,
        { changed?: boolean; failed?: boolean; unreachable?: boolean; msg?: string; skipped?: boolean }
      >;
    }[];
  }[];
  stats?: Record<string, { changed?: number; failures?: number; unreachable?: number }>;
}

/**
 * `ansible-playbook --check --diff` through the JSON stdout callback (ansible.posix.json): the
 * tasks that would change, per host, and the failed or unreachable ones as errors.
 */
export function parseAnsibleJson(text: string): DriftReport {
  const start = text.indexOf('{');
  let doc: AnsibleJson;
  try {
    doc = JSON.parse(start >= 0 ? text.slice(start) : text) as AnsibleJson;
  } catch {
    throw new Error(`the playbook output is not the JSON callback's (starts: ${text.trim().slice(0, 80)})`);
  }
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.plays))
    throw new Error('the playbook output has no "plays": is the json stdout callback on?');
  const items: DriftItem[] = [];
  const errors: string[] = [];
  for (const play of doc.plays)
    for (const t of play.tasks ?? [])
      for (const [host, r] of Object.entries(t.hosts ?? {})) {
        const name = t.task?.name ?? 'unnamed task';
        if (r.unreachable) errors.push(`${host} unreachable: ${r.msg ?? ''}`.trim());
        else if (r.failed) errors.push(`${host}: ${name} failed: ${r.msg ?? ''}`.trim());
        else if (r.changed) items.push({ what: `${host}: ${name}`, action: 'changed' });
      }
  return { items, errors };
}
