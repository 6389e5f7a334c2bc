import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { fakeDocker } from '../checks/fake-docker.js';
import { fakeKubernetes, writeKubeconfig } from '../checks/fake-kubernetes.js';
import {
  freshPostgres,
  mariadbAdminUrl,
  mariadbUp,
  postgresAdminUrl,
  postgresUp,
  unique,
  until,
  withPath,
} from '../checks/servers.js';
import { captureIo } from './io.js';

/**
 * The guide's morning commands as one `vigil check --json`: kubectl get pods,
 * docker ps, and the two databases, against an API server and an Engine socket
 * speaking the real protocols and against the real database servers, first
 * healthy, then with every bad state produced for real.
 */
describe.runIf(postgresUp && mariadbUp)(
  'vigil check --json with kubernetes, docker, postgres and mariadb',
  () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vigil-morning-'));
    const env = {
      PG_APP_PASSWORD: 'pg-Secret-4711',
      MARIADB_APP_PASSWORD: 'maria-Secret-0815',
    };
    const role = `vigil_app_${unique()}`;
    const user = `vigil_app_${unique()}`.slice(0, 32);
    let engine: Awaited<ReturnType<typeof fakeDocker>>;
    let api: Awaited<ReturnType<typeof fakeKubernetes>>;
    let db: Awaited<ReturnType<typeof freshPostgres>>;
    let pgAdmin: pg.Client;
    let myAdmin: mysql.Connection;
    const pgClients: pg.Client[] = [];
    const myClients: mysql.Connection[] = [];

    const run = async (names: string[]) => {
      const cap = captureIo(dir, env);
      const code = await main(['node', 'vigil', 'check', '--json', ...names], cap.io);
      const body = JSON.parse(cap.stdout()) as {
        ok: boolean;
        checks: { name: string; kind: string; status: string; message: string }[];
      };
      return { code, body, stdout: cap.stdout(), byName: new Map(body.checks.map((c) => [c.name, c])) };
    };

    beforeAll(async () => {
      engine = await fakeDocker();
      api = await fakeKubernetes();
      db = await freshPostgres();
      pgAdmin = new pg.Client({ connectionString: db.url });
      await pgAdmin.connect();
      await pgAdmin.query('create table orders (id int primary key, state text)');
      await pgAdmin.query(`insert into orders values (1, 'new')`);
      await pgAdmin.query(`create role ${role} login password '${env.PG_APP_PASSWORD}' connection limit 2`);
      myAdmin = await mysql.createConnection({ uri: mariadbAdminUrl });
      await myAdmin.query(
        `CREATE USER '${user}'@'%' IDENTIFIED BY '${env.MARIADB_APP_PASSWORD}' WITH MAX_USER_CONNECTIONS 2`,
      );
      const kubeconfig = writeKubeconfig(api.url);
      const pgApp = withPath(postgresAdminUrl, db.name, role).replace(
        `${role}@`,
        `${role}:\${PG_APP_PASSWORD}@`,
      );
      const myApp = withPath(mariadbAdminUrl, '', user).replace(
        `${user}@`,
        `${user}:\${MARIADB_APP_PASSWORD}@`,
      );
      writeFileSync(
        path.join(dir, 'vigil.yaml'),
        [
          'checks:',
          '  - name: pods',
          `    kubernetes: { kubeconfig: "${kubeconfig}", context: prod, namespaces: [shop] }`,
          '  - name: system-pods',
          `    kubernetes: { kubeconfig: "${kubeconfig}", namespaces: [kube-system] }`,
          '  - name: billing-pods',
          `    kubernetes: { kubeconfig: "${kubeconfig}", namespaces: [billing] }`,
          '  - name: pods-stale-token',
          `    kubernetes: { kubeconfig: "${kubeconfig}", context: stale }`,
          '  - name: containers',
          `    docker: { socket: "${engine.socket}", labels: ["com.docker.compose.project=shop"] }`,
          '  - name: web-container',
          `    docker: { socket: "${engine.socket}", names: ["^/shop-web-"] }`,
          '  - name: containers-elsewhere',
          `    docker: { socket: "${path.join(dir, 'no-docker.sock')}" }`,
          '  - name: orders-db',
          `    postgres: { url: "${db.url}", databases: [${db.name}], critical: { lock_wait: 1ms } }`,
          '  - name: orders-db-app',
          `    postgres: { url: "${pgApp}", databases: [${db.name}] }`,
          '  - name: mariadb',
          `    mariadb: { url: "${mariadbAdminUrl}" }`,
          '  - name: mariadb-app',
          `    mariadb: { url: "${myApp}" }`,
        ].join('\n'),
      );
    });

    afterAll(async () => {
      await Promise.all(pgClients.map((c) => c.end().catch(() => {})));
      await Promise.all(myClients.map((c) => c.end().catch(() => c.destroy())));
      await pgAdmin?.query(`drop role if exists ${role}`).catch(() => {});
      await pgAdmin?.end();
      await db?.drop();
      await myAdmin?.query(`DROP USER IF EXISTS '${user}'@'%'`);
      await myAdmin?.end();
      await engine?.close();
      await api?.close();
    });

    it('is ok where all is well, and critical with a readable message for every bad state', async () => {
      const healthy = await run([
        'system-pods',
        'web-container',
        'orders-db',
        'orders-db-app',
        'mariadb',
        'mariadb-app',
      ]);
      expect(healthy.body.checks.map((c) => [c.name, c.status])).toEqual([
        ['system-pods', 'ok'],
        ['web-container', 'ok'],
        ['orders-db', 'ok'],
        ['orders-db-app', 'ok'],
        ['mariadb', 'ok'],
        ['mariadb-app', 'ok'],
      ]);
      expect(healthy.code).toBe(0);

      // The bad states, for real: a transaction holding a row lock another session waits for,
      // and both application accounts flooded up to their connection limits.
      const connect = async (url: string) => {
        const c = new pg.Client({ connectionString: url });
        c.on('error', () => {});
        await c.connect();
        pgClients.push(c);
        return c;
      };
      const holder = await connect(db.url);
      const waiter = await connect(db.url);
      await holder.query('begin');
      await holder.query(`update orders set state = 'paid' where id = 1`);
      waiter.query(`update orders set state = 'cancelled' where id = 1`).catch(() => {});
      await until('the second update to wait on the lock', async () => {
        const { rows } = await pgAdmin.query(
          `select count(*)::int as n from pg_stat_activity where datname = $1 and wait_event_type = 'Lock'`,
          [db.name],
        );
        return rows[0].n > 0;
      });
      const appUrl = withPath(postgresAdminUrl, db.name, role, env.PG_APP_PASSWORD);
      for (let i = 0; i < 2; i++) await connect(appUrl);
      const myAppUrl = withPath(mariadbAdminUrl, '', user, env.MARIADB_APP_PASSWORD);
      for (let i = 0; i < 2; i++) myClients.push(await mysql.createConnection({ uri: myAppUrl }));

      const { code, body, stdout, byName } = await run([]);
      expect(code).toBe(1);
      expect(body.ok).toBe(false);
      const critical = (name: string, ...parts: (string | RegExp)[]) => {
        const c = byName.get(name);
        expect(c, name).toMatchObject({ status: 'critical' });
        for (const p of parts) expect(c!.message, name).toMatch(p);
      };
      critical(
        'pods',
        /^shop\/api-7f9c8d6b5-k8s2m 0\/1 CrashLoopBackOff, 12 restarts/,
        'shop/frontend-84c6f5d7b9-mz5rd 0/1 ImagePullBackOff',
      );
      expect(byName.get('system-pods')?.status).toBe('ok');
      critical('billing-pods', 'forbidden: cannot list pods in namespace billing');
      critical(
        'pods-stale-token',
        /^unauthorized \(401\): https:\/\/127\.0\.0\.1:\d+ refused the credentials of context "stale"/,
      );
      critical(
        'containers',
        'shop-worker-1 Exited (137) 12 minutes ago, OOM killed',
        'shop-cron-1 Restarting (1)',
        'shop-api-1 Up 5 hours (unhealthy)',
      );
      expect(byName.get('web-container')?.status).toBe('ok');
      critical(
        'containers-elsewhere',
        /^no Docker socket at .*no-docker\.sock: is Docker installed and running here\?$/,
      );
      critical(
        'orders-db',
        new RegExp(
          `^pid \\d+ \\(postgres@${db.name}\\) waiting \\d+s on a lock held by pid \\d+ \\(postgres@${db.name}, idle in transaction`,
        ),
        `role ${role} at 2 of 2 connections (its CONNECTION LIMIT)`,
      );
      critical('orders-db-app', `too many connections for role "${role}"`);
      critical('mariadb', `user ${user} at 2 of 2 connections (its max_user_connections)`);
      critical('mariadb-app', `User '${user}' has exceeded the 'max_user_connections' resource`);
      expect(body.checks.map((c) => c.kind)).toEqual(
        expect.arrayContaining(['kubernetes', 'docker', 'postgres', 'mariadb']),
      );
      // passwords came from the environment and appear nowhere in the output
      expect(stdout).not.toContain(env.PG_APP_PASSWORD);
      expect(stdout).not.toContain(env.MARIADB_APP_PASSWORD);
    });
  },
);
