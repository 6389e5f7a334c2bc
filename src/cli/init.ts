import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VigilError } from '../errors.js';
import { configPath } from './config-path.js';
import type { Io } from './output.js';

export interface MachineFacts {
  listeningPorts: number[];
  /**
   * The first port of the kernel's ephemeral range (net.ipv4.ip_local_port_range): a listener up
   * there is a test server or a client's, not a service to watch.
   */
  ephemeralFrom: number;
  logFiles: string[];
  dockerSocket: boolean;
  /** the kubeconfig kubectl would use here, if there is one */
  kubeconfig?: string;
}

const commonLogs = [
  '/var/log/syslog',
  '/var/log/messages',
  '/var/log/nginx/error.log',
  '/var/log/apache2/error.log',
  '/var/log/postgresql',
  '/var/log/mysql/error.log',
];

/** What this machine has, read from /proc and the file system. */
export function discover(
  root = '/',
  home = os.homedir(),
  env: NodeJS.ProcessEnv = process.env,
): MachineFacts {
  const ports = new Set<number>();
  for (const file of ['proc/net/tcp', 'proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(path.join(root, file), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // state 0A is LISTEN; the local address is hex ip:port
      if (cols[3] !== '0A' || !cols[1]) continue;
      const port = Number.parseInt(cols[1].split(':').pop() ?? '', 16);
      if (port > 0 && port < 65536) ports.add(port);
    }
  }
  let ephemeralFrom = 32768;
  try {
    const first = Number(
      readFileSync(path.join(root, 'proc/sys/net/ipv4/ip_local_port_range'), 'utf8').split(/\s+/)[0],
    );
    if (first > 0 && first < 65536) ephemeralFrom = first;
  } catch {
    // no /proc here: Linux's default range
  }
  return {
    listeningPorts: [...ports].sort((a, b) => a - b),
    ephemeralFrom,
    logFiles: commonLogs.filter((p) => existsSync(path.join(root, p))),
    dockerSocket: existsSync(path.join(root, 'var/run/docker.sock')),
    kubeconfig: [env.KUBECONFIG?.split(path.delimiter)[0], path.join(home, '.kube/config')].find(
      (f) => f && existsSync(path.join(root, f)),
    ),
  };
}

/** Database servers found listening on their usual ports get a check of their kind instead of a bare port check. */
const databasePorts: Record<number, string[]> = {
  5432: [
    '  # PostgreSQL listens here: connections, long transactions, lock waits, replication lag, dead tuples',
    '  - name: postgres',
    '    postgres: { url: "postgres://postgres:${PGPASSWORD:-}@127.0.0.1:5432/postgres" }',
    '    every: 1m',
  ],
  3306: [
    '  # MariaDB/MySQL listens here: connections, replication threads and lag, slow queries',
    '  # (better: a monitoring account with PROCESS and REPLICA MONITOR grants)',
    '  - name: mariadb',
    '    mariadb: { url: "mysql://root:${MYSQL_PWD:-}@127.0.0.1:3306/" }',
    '    every: 1m',
  ],
};

/** Vigil's own port: 8080 unless something listens there already, then the next free one. */
export function freeListenPort(facts: MachineFacts): number {
  const taken = new Set(facts.listeningPorts);
  let port = 8080;
  while (taken.has(port)) port++;
  return port;
}

export function starterConfig(facts: MachineFacts): string {
  const own = freeListenPort(facts);
  // Long-lived services only: below the ephemeral range, where test servers and clients listen.
  const ports = facts.listeningPorts
    .filter((p) => p !== own && p < facts.ephemeralFrom && !databasePorts[p])
    .slice(0, 10);
  const databases = facts.listeningPorts.filter((p) => databasePorts[p]);
  const lines = [
    '# vigil.yaml: what Vigil watches on this machine. Written by `vigil init`;',
    '# edit freely, then `vigil validate` and `vigil check`. Schema: `vigil schema`.',
    '# Secrets come from the environment: ${VAR} or ${VAR:-default}.',
    '',
    'storage: sqlite:./vigil.db',
    "log_file: ./vigil.log   # Vigil's own log, also on stdout: the vigil-log check reads it",
    'server:',
    `  listen: 127.0.0.1:${own}   # loopback only; put a reverse proxy with TLS in front to expose it${own === 8080 ? '' : ' (8080 is taken here)'}`,
    '',
    'checks:',
    '  # Vigil watching itself',
    '  - name: vigil',
    `    http: { url: http://127.0.0.1:${own}/health }`,
    '    every: 30s',
    '',
    "  # Vigil's own log: log_matches_total{level} and the guide's error_rate",
    '  - name: vigil-log',
    '    log: { path: ./vigil.log, missing_ok: true }',
    '    every: 30s',
    '',
    '  # cpu_usage, memory_usage, disk_usage{mount} and load, as ratios 0..1',
    '  - name: host',
    '    host: {}',
    '    every: 30s',
  ];
  if (ports.length) {
    lines.push(
      '',
      `  # long-lived ports something listens on here now (below the ephemeral range, ${facts.ephemeralFrom}+)`,
    );
    for (const port of ports) {
      lines.push(`  - name: port-${port}`, `    tcp: { host: 127.0.0.1, port: ${port} }`, '    every: 1m');
    }
  }
  for (const port of databases) lines.push('', ...databasePorts[port]!);
  if (facts.logFiles.length) {
    lines.push('', '  # log files found here (log checks scan them for errors):');
    for (const f of facts.logFiles) lines.push(`  #   ${f}`);
  }
  if (facts.dockerSocket) {
    lines.push(
      '',
      '  # the Docker socket is here: containers exited, unhealthy or restarting (docker ps -a)',
      '  - name: containers',
      '    docker: {}',
      '    every: 1m',
    );
  }
  if (facts.kubeconfig) {
    lines.push(
      '',
      '  # a kubeconfig is here: pods not ready, crash loops, restarts (kubectl get pods -A)',
      '  - name: pods',
      `    kubernetes: { kubeconfig: ${JSON.stringify(facts.kubeconfig)} }`,
      '    every: 1m',
    );
  }
  lines.push(
    '',
    `  # a cron job that must report in every day: \`curl -fsS -X POST http://127.0.0.1:${own}/api/v1/heartbeat/nightly-backup\``,
    '  # - name: nightly-backup',
    '  #   heartbeat: { period: 1d, grace: 1h }',
    '',
    "# The guide's three alerts: cpu_usage from the host check, up from every check, error_rate from",
    "# Vigil's own log (add log checks of your services' logs and it covers them too).",
    'alerts:',
    '  - name: HighCPUUsage',
    '    condition: cpu_usage > 80%',
    '    duration: 5m',
    '    severity: warning',
    '  - name: ServiceDown',
    '    condition: up == 0',
    '    duration: 1m',
    '    severity: critical',
    '  - name: HighErrorRate',
    '    condition: error_rate > 5%',
    '    duration: 2m',
    '    severity: warning',
    '',
    "# The guide's daily and weekly reviews over what was found above: `vigil report daily` runs one now.",
    'routines:',
    '  - name: daily # the morning health check',
    '    cron: "0 8 * * *"',
    '    steps:',
    '      - checks: "*"',
    '      - alerts: {}',
    '      - incidents: {}',
    '      - logs: { levels: [fatal, error], top: 10 }',
    '      - name: review-dashboards',
    '        manual: { text: "Review the dashboards for anomalies", checklist: ["error rate", "latency", "saturation"] }',
    '        due: 2h',
    '  - name: weekly # performance review, security assessment, maintenance tasks',
    '    cron: "0 9 * * 1"',
    '    steps:',
    '      - availability: { slo: 99.9% }',
    '      - performance: { regression: 20% }',
    '      - capacity: { window: 7d, horizon: 30d }',
    '      - incidents: {}',
    '      - access: { unused_for: 90d }',
    '',
  );
  return lines.join('\n');
}

export function initCommand(io: Io, opts: { config?: string }): number {
  const file = configPath(io, opts.config);
  const text = starterConfig(discover());
  try {
    // 'wx' fails if the file exists: init never overwrites a config.
    writeFileSync(file, text, { flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new VigilError('CONFIG_EXISTS', `${file} already exists; not overwriting it`, {
        hint: 'remove it first, or write elsewhere with --config <file>',
      });
    }
    throw e;
  }
  io.out(`wrote ${file}\nnext: vigil validate && vigil check`);
  return 0;
}
