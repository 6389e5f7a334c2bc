import { type ChildProcess, execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { openStore } from '../../src/store/store.js';
import { testApp } from '../server/test-app.js';
import { apiToken, authed, eventually, startVigil } from './spawn.js';

/**
 * Must-have 4: a secret in every place a secret can go, a receiver that
 * answers 500 and echoes every request back (path, headers, body), and then
 * every output Vigil has is searched for every secret.
 */
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

const secrets = {
  HOOK_PATH_TOKEN: 'HookPathTok_5d1c7a',
  HOOK_BEARER: 'HookBearer_0a9b8c7d',
  SLACK_URL_TOKEN: 'T0SECRET/B0SECRET/slackWebhookSecret123',
  PD_KEY: 'pdroutingkeysecret00000000000001',
  SMTP_PASSWORD: 'smtp-password-secret-42',
  CHECK_TOKEN: 'CheckQueryTok_77aa',
  CHECK_BEARER: 'CheckBearer_31f0e9',
  SCRAPE_KEY: 'ScrapeKey_a1b2c3d4',
  PG_PASSWORD: 'PgSecretPw_9x8y',
  RESTIC_PASSWORD: 'ResticSecret_4q5w6e',
};
const bin = path.resolve('bin/vigil.js');

function cli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}\n${stderr}` }),
    ),
  );
}

/** Every GET route of the API, from the router's own table: a new route is searched too. */
async function getRoutes(): Promise<string[]> {
  const routes: string[] = [];
  const store = await openStore('sqlite::memory:');
  const app = testApp({
    store,
    clock: new FakeClock(0),
    config: parseConfig('{}', 'vigil.yaml', {}),
    onRoute: (r) => {
      const methods = ([] as string[]).concat(r.method);
      if (methods.includes('GET') && r.url.startsWith('/') && !r.url.includes('*')) routes.push(r.url);
    },
  });
  await app.ready();
  await app.close();
  await store.close();
  return [...new Set(routes)];
}

describe('secrets nowhere', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-secrets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('no secret from the environment reaches any output', async () => {
    // The receiver every channel and every probe talks to: 500, with the whole request echoed back.
    const echo = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        res
          .writeHead(500, { 'content-type': 'text/plain' })
          .end(`echo ${req.method} ${req.url} ${JSON.stringify(req.headers)} ${body}`);
      });
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const rx = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
    // An SMTP server that refuses the login and quotes the password it was given.
    const smtp = new SMTPServer({
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      onAuth(auth, _s, cb) {
        cb(new Error(`bad credentials ${auth.username}/${auth.password}`));
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', r));
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    mkdirSync(path.join(dir, 'tree'));
    writeFileSync(path.join(dir, 'tree', 'a.txt'), 'a');

    const env = {
      ...secrets,
      HOOK_URL: `${rx}/hook/${secrets.HOOK_PATH_TOKEN}`,
      ORDERS_DB_URL: `postgres://postgres:${secrets.PG_PASSWORD}@127.0.0.1:5432/test`,
      DOWN_DB_URL: `postgres://postgres:${secrets.PG_PASSWORD}@127.0.0.1:1/test`,
    };
    const config = path.join(dir, 'vigil.yaml');
    const storeFile = path.join(dir, 'vigil.db');
    writeFileSync(
      config,
      `
storage: sqlite:${storeFile}
evaluation_interval: 1s
checks:
  - name: api
    http:
      url: "${rx}/health?token=\${CHECK_TOKEN}"
      headers: { Authorization: "Bearer \${CHECK_BEARER}" }
    every: 1s
  - name: app-metrics
    scrape: { url: "${rx}/metrics?key=\${SCRAPE_KEY}" }
    every: 1s
  - name: orders-db
    postgres: { url: "\${ORDERS_DB_URL}" }
    every: 1s
  - name: down-db
    postgres: { url: "\${DOWN_DB_URL}" }
    every: 1s
alerts:
  - name: ApiDown
    condition: up{check="api"} == 0
    severity: critical
notify:
  - name: hook
    webhook: { url: "\${HOOK_URL}", headers: { Authorization: "Bearer \${HOOK_BEARER}" } }
    group_wait: 0s
  - name: slack
    slack: { url: "${rx}/services/\${SLACK_URL_TOKEN}" }
    group_wait: 0s
  - name: pager
    pagerduty: { routing_key: "\${PD_KEY}", url: "${rx}/v2/enqueue" }
    group_wait: 0s
  - name: mail
    email:
      host: 127.0.0.1
      port: ${smtpPort}
      security: none
      username: vigil
      password: "\${SMTP_PASSWORD}"
      from: vigil@example.com
      to: oncall@example.com
    group_wait: 0s
notifications:
  retry: { initial: 200ms, max: 1s }
backups:
  repository: ${path.join(dir, 'backups')}
  jobs:
    - name: orders
      postgres: { url: "\${ORDERS_DB_URL}" }
      cron: "0 2 * * *"
    - name: tree
      restic: { path: ${path.join(dir, 'tree')}, repository: ${path.join(dir, 'restic')}, password: "\${RESTIC_PASSWORD}" }
      cron: "0 3 * * *"
maintenance:
  - name: analyze
    postgres: { url: "\${ORDERS_DB_URL}", vacuum_analyze: true }
    cron: "0 4 * * 0"
routines:
  - name: daily
    cron: "0 8 * * *"
    steps:
      - checks: "*"
`,
    );
    const outputs: Array<[string, string]> = [];
    const validate = await cli(['validate', '--config', config], env);
    expect(validate.code, validate.out).toBe(0);
    outputs.push(['validate', validate.out]);
    outputs.push(['check --json', (await cli(['check', '--json', '--config', config], env)).out]);
    outputs.push([
      'backup run orders',
      (await cli(['backup', 'run', 'orders', '--config', config], env)).out,
    ]);
    outputs.push(['backup run tree', (await cli(['backup', 'run', 'tree', '--config', config], env)).out]);
    const token = await apiToken(config, env);
    const get = authed(token);

    const vigil = startVigil(config, env, children);
    const url = await vigil.url;
    // Every channel has failed at least twice: the echoes are in the store and the logs.
    const failedTwice = (await eventually(
      () => get(`${url}/api/v1/notifications?limit=100`).then((r) => r.json()),
      (b: any) =>
        ['hook', 'slack', 'pager', 'mail'].every((c) =>
          b.notifications.some((n: any) => n.channel === c && n.attempts >= 2),
        ),
      20_000,
    )) as any;
    const byChannel = new Map(failedTwice.notifications.map((n: any) => [n.channel, n]));
    expect([...byChannel.keys()].sort()).toEqual(['hook', 'mail', 'pager', 'slack']);
    const hook = byChannel.get('hook') as any;
    const hookErrors = await get(`${url}/api/v1/notifications/${hook.id}`).then((r) => r.text());
    // the echo arrived, and was stored with the secret taken out
    expect(hookErrors.includes('answered HTTP 500: echo POST ***'), 'the echo was stored, scrubbed').toBe(
      true,
    );

    // The live stream never ends: read it until every check has sent an event (their messages).
    const stream = new AbortController();
    const events = await get(`${url}/api/v1/events`, { signal: stream.signal });
    let live = '';
    const reader = events.body!.getReader();
    const guard = setTimeout(() => stream.abort(), 15_000);
    try {
      while ((live.match(/event: check/g)?.length ?? 0) < 6) {
        const { value, done } = await reader.read();
        if (done) break;
        live += Buffer.from(value).toString();
      }
    } catch (e) {
      if (!stream.signal.aborted) throw e;
    } finally {
      clearTimeout(guard);
      stream.abort();
    }
    expect(live).toContain('event: check');
    outputs.push(['GET /api/v1/events', live]);

    for (const route of await getRoutes()) {
      if (route === '/api/v1/events') continue; // read above
      const filled = route
        .replace(':name', route.includes('label') ? 'check' : 'api')
        .replace(':id', route.includes('notification') ? hook.id : '1');
      const q = /query/.test(route) ? '?query=up' : '';
      const res = await get(`${url}${filled}${q}`);
      outputs.push([`GET ${filled}`, await res.text()]);
    }
    outputs.push(['GET /metrics (anonymous)', await fetch(`${url}/metrics`).then((r) => r.text())]);
    outputs.push(['report daily', (await cli(['report', 'daily', '--json', '--config', config], env)).out]);
    outputs.push([
      'notifications --json',
      (await cli(['notifications', '--json', '--config', config], env)).out,
    ]);

    vigil.child.kill('SIGTERM');
    expect(await vigil.exit).toBe(0);
    outputs.push(['daemon stdout+stderr', vigil.output()]);
    outputs.push(['store file', readFileSync(storeFile).toString('latin1')]);
    for (const suffix of ['-wal', '-shm']) {
      try {
        outputs.push([`store file${suffix}`, readFileSync(storeFile + suffix).toString('latin1')]);
      } catch {}
    }

    const leaks: string[] = [];
    for (const [where, text] of outputs) {
      for (const [name, secret] of Object.entries(secrets)) {
        for (const form of new Set([secret, encodeURIComponent(secret)])) {
          if (text.includes(form)) leaks.push(`${name} in ${where}`);
        }
      }
    }
    expect(leaks).toEqual([]);
    // the searches saw what they should: the daemon logged the failed deliveries
    expect(vigil.output()).toMatch(/answered HTTP 500/);
    await new Promise<void>((r) => echo.close(() => r()));
    await new Promise<void>((r) => smtp.close(() => r()));
  }, 90_000);

  it('no secret in the error messages of a config that is wrong in every secret place', async () => {
    const config = path.join(dir, 'bad.yaml');
    writeFileSync(
      config,
      `storage: "\${ST}"
notify:
  - name: x
    webhook: { url: "\${HOOK}" }
server: { auth: { metrics: "\${M}" } }
checks:
  - name: a
    http: { url: "\${U}", method: "\${MT}" }
`,
    );
    const env = {
      ST: 'mysql://u:SecretPw99@h/db',
      HOOK: 'not a url SecretHook123',
      M: 'SecretMetrics77',
      U: 'ftp://x/SecretU55',
      MT: 'SecretMethod66',
    };
    const validate = await cli(['validate', '--config', config], env);
    expect(validate.code).toBe(2);
    expect(validate.out).toMatch(/5 problems found/);
    const check = await cli(['check', '--json', '--config', config], env);
    for (const secret of ['SecretPw99', 'SecretHook123', 'SecretMetrics77', 'SecretU55', 'SecretMethod66']) {
      expect(validate.out, secret).not.toContain(secret);
      expect(check.out, secret).not.toContain(secret);
    }
  });
});
