import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../src/auth/password.js';
import { sessionManager } from '../../src/auth/sessions.js';
import { authenticateToken, createToken } from '../../src/auth/tokens.js';
import { addUser, ensureFirstAdmin } from '../../src/auth/users.js';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { openStore, type Store } from '../../src/store/store.js';
import { testApp } from './test-app.js';

const start = Date.UTC(2026, 10, 27, 12, 0, 0);

function cookieOf(res: { headers: Record<string, unknown> }): string {
  const raw = res.headers['set-cookie'];
  const line = Array.isArray(raw) ? raw[0] : String(raw);
  return line.split(';')[0]!;
}

describe('login, roles and API tokens', () => {
  let app: FastifyInstance;
  let store: Store;
  const clock = new FakeClock(start);
  let metrics: 'public' | 'token' = 'public';
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    const loaded = parseConfig('server: { trust_proxy: true }\n', 'vigil.yaml', {});
    store = await openStore('sqlite::memory:');
    app = testApp({
      store,
      clock,
      config: loaded,
      login: () => ({ metrics }),
    });
    await addUser(store, 'olga', 'operator', 'correct horse battery', start);
    await addUser(store, 'vic', 'viewer', 'viewer password 1', start);
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      tokens[role] = (
        await createToken(store, { name: `ci-${role}`, owner: 'test', role, expiresAt: null }, start)
      ).token;
    }
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  const bearer = (role: string) => ({ authorization: `Bearer ${tokens[role]}` });
  const silence = { matchers: ['alertname="DiskFull"'], duration: '1h', comment: 'resize' };

  it('refuses the API without a login, but not /health, heartbeats or /metrics', async () => {
    const res = await app.inject('/api/v1/checks');
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toMatchObject({
      code: 'UNAUTHENTICATED',
      hint: expect.stringContaining('Bearer'),
    });
    expect((await app.inject('/health')).statusCode).toBe(200);
    expect((await app.inject('/metrics')).statusCode).toBe(200);
    // a heartbeat for an unknown check is a 404, not a 401: pings need no login
    expect((await app.inject({ method: 'POST', url: '/api/v1/heartbeat/nightly' })).statusCode).toBe(404);
    // the router decodes %-escapes: an escaped path is the same route, and as guarded
    for (const url of ['/%61pi/v1/checks', '/api/v1/%63hecks', '/api/v1//checks', '/api/v1/checks/'])
      expect((await app.inject(url)).statusCode, url).toBe(401);
    expect(
      (await app.inject({ url: '/api/v1/checks', headers: { authorization: 'Bearer nope' } })).statusCode,
    ).toBe(401);
  });

  it('protects /metrics with a token when asked to', async () => {
    metrics = 'token';
    try {
      expect((await app.inject('/metrics')).statusCode).toBe(401);
      expect((await app.inject({ url: '/metrics', headers: bearer('viewer') })).statusCode).toBe(200);
    } finally {
      metrics = 'public';
    }
  });

  it('lets a viewer read but not act; an operator acts, and is the recorded author', async () => {
    expect((await app.inject({ url: '/api/v1/checks', headers: bearer('viewer') })).statusCode).toBe(200);
    const denied = await app.inject({
      method: 'POST',
      url: '/api/v1/silences',
      headers: bearer('viewer'),
      payload: silence,
    });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().error.code).toBe('FORBIDDEN');
    const made = await app.inject({
      method: 'POST',
      url: '/api/v1/silences',
      headers: bearer('operator'),
      payload: { ...silence, createdBy: 'someone-else' },
    });
    expect(made.statusCode).toBe(201);
    expect(made.json().createdBy).toBe('token:ci-operator');
    // a PromQL query by POST is a read
    const q = await app.inject({ method: 'POST', url: '/api/v1/query?query=1', headers: bearer('viewer') });
    expect(q.statusCode).toBe(200);
  });

  it('records when a token was last used, and refuses revoked and expired tokens', async () => {
    const row = (await store.tokens.list()).find((t) => t.name === 'ci-viewer')!;
    expect(row.last_used_at).toBe(start);
    const { token } = await createToken(
      store,
      { name: 'short', owner: 'test', role: 'viewer', expiresAt: start + 1000 },
      start,
    );
    expect(await authenticateToken(store, token, start)).toMatchObject({
      name: 'token:short',
      role: 'viewer',
    });
    expect(await authenticateToken(store, token, start + 1000)).toBeUndefined();
    expect(await store.tokens.revoke('ci-admin', start)).toBe(1);
    expect((await app.inject({ url: '/api/v1/checks', headers: bearer('admin') })).statusCode).toBe(401);
    // a right secret with a wrong id, and a wrong secret with a right id
    // the secret is base64url and may itself hold '_': split on the fixed layout, not on '_'
    const [, id, secret] = /^vigil_([a-f0-9]{12})_(.{32})$/.exec(tokens.viewer!)!;
    expect(await authenticateToken(store, `vigil_${id}_${'A'.repeat(32)}`)).toBeUndefined();
    // only the hash is stored
    const stored = await store.db.selectFrom('api_tokens').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(secret);
  });

  it('logs in with a cookie session, needs the CSRF token for writes, and logs out', async () => {
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { user: 'olga', password: 'nope' },
    });
    expect(wrong.statusCode).toBe(401);
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { user: 'x', password: 'y' },
    });
    expect(unknown.statusCode).toBe(401);
    const ok = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { user: 'olga', password: 'correct horse battery' },
    });
    expect(ok.statusCode).toBe(200);
    const setCookie = String(ok.headers['set-cookie']);
    expect(setCookie).toMatch(/vigil_session=/);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toMatch(/Secure/);
    const { csrf, user, role } = ok.json();
    expect({ user, role }).toEqual({ user: 'olga', role: 'operator' });
    const cookie = cookieOf(ok);

    const me = await app.inject({ url: '/api/v1/auth/me', headers: { cookie } });
    expect(me.json()).toMatchObject({ user: 'olga', role: 'operator', csrf });
    const noCsrf = await app.inject({
      method: 'POST',
      url: '/api/v1/silences',
      headers: { cookie },
      payload: silence,
    });
    expect(noCsrf.statusCode).toBe(403);
    expect(noCsrf.json().error.message).toMatch(/CSRF/);
    const withCsrf = await app.inject({
      method: 'POST',
      url: '/api/v1/silences',
      headers: { cookie, 'x-csrf-token': csrf },
      payload: silence,
    });
    expect(withCsrf.statusCode).toBe(201);
    expect(withCsrf.json().createdBy).toBe('olga');
    expect((await store.users.list()).find((u) => u.name === 'olga')?.last_login_at).toBe(start);

    await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { cookie } });
    expect((await app.inject({ url: '/api/v1/checks', headers: { cookie } })).statusCode).toBe(401);
  });

  it('sets Secure behind a TLS proxy, and a session ends when its user is removed or it idles out', async () => {
    const login = () =>
      app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'x-forwarded-proto': 'https' },
        payload: { user: 'vic', password: 'viewer password 1' },
      });
    const res = await login();
    expect(String(res.headers['set-cookie'])).toMatch(/Secure/);
    const cookie = cookieOf(res);
    expect((await app.inject({ url: '/api/v1/checks', headers: { cookie } })).statusCode).toBe(200);
    await clock.advance(3_600_000);
    expect((await app.inject({ url: '/api/v1/checks', headers: { cookie } })).statusCode).toBe(401);
    const again = cookieOf(await login());
    await store.users.remove('vic');
    expect((await app.inject({ url: '/api/v1/checks', headers: { cookie: again } })).statusCode).toBe(401);
  });

  it('limits login attempts per client', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: '10.9.9.9',
        payload: { user: 'olga', password: `guess ${i}` },
      });
      codes.push(r.statusCode);
    }
    expect(codes.slice(0, 5).every((c) => c === 401)).toBe(true);
    expect(codes.at(-1)).toBe(429);
    const limited = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      remoteAddress: '10.9.9.9',
      payload: { user: 'olga', password: 'again' },
    });
    expect(limited.json()).toMatchObject({ error: { code: 'TOO_MANY_REQUESTS', hint: expect.any(String) } });
  });

  it("answers a URL it cannot decode in Vigil's error shape", async () => {
    for (const url of ['/%c0%ae/', '/api/v1/%c0%ae', '/%E0%A4%A']) {
      const r = await app.inject(url);
      expect(r.statusCode, url).toBe(400);
      expect(r.json(), url).toEqual({
        error: { code: 'USAGE', message: expect.any(String), hint: expect.any(String) },
      });
    }
  });

  it('sends security headers with a CSP that allows no inline script', async () => {
    const res = await app.inject('/health');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('passwords and the first admin', () => {
  it('hashes with scrypt and a salt, and verifies', async () => {
    const cheap = { N: 1024, r: 8, p: 1 };
    const a = await hashPassword('s3cret password', cheap);
    const b = await hashPassword('s3cret password', cheap);
    expect(a).toMatch(/^scrypt\$1024\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword('s3cret password', a)).toBe(true);
    expect(await verifyPassword('s3cret passwort', a)).toBe(false);
    expect(await verifyPassword('x', 'plain')).toBe(false);
    expect(await hashPassword('x')).toMatch(/^scrypt\$131072\$8\$1\$/);
  });

  it('creates the first admin once: from VIGIL_ADMIN_PASSWORD, or with a password it returns', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      const made = await ensureFirstAdmin(store, {}, start);
      expect(made).toMatchObject({ name: 'admin', password: expect.stringMatching(/^\S{20,}$/) });
      expect(await ensureFirstAdmin(store, {}, start)).toBeUndefined();
      const s = sessionManager(store, 60_000);
      expect(await s.login('admin', made!.password!, start)).toBeDefined();
      const other = await openStore('sqlite::memory:');
      try {
        expect(await ensureFirstAdmin(other, { VIGIL_ADMIN_PASSWORD: 'from the env 1' }, start)).toEqual({
          name: 'admin',
        });
        expect(await sessionManager(other, 60_000).login('admin', 'from the env 1', start)).toBeDefined();
      } finally {
        await other.close();
      }
    } finally {
      await store.close();
    }
  });
});
