import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { sessionManager } from '../../src/auth/sessions.js';
import { authenticateToken } from '../../src/auth/tokens.js';
import { userAddCommand } from '../../src/cli/access.js';
import { main } from '../../src/cli/main.js';
import { openStore } from '../../src/store/store.js';
import { captureIo } from './io.js';

function project() {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-access-cli-'));
  writeFileSync(path.join(dir, 'vigil.yaml'), `storage: sqlite:${path.join(dir, 'vigil.db')}\n`);
  return dir;
}

async function run(dir: string, ...argv: string[]) {
  const c = captureIo(dir, { USER: 'ana' });
  const code = await main(['node', 'vigil', ...argv, '--config', path.join(dir, 'vigil.yaml')], c.io);
  return { code, out: c.stdout(), err: c.stderr() };
}

async function withStoreOf<T>(dir: string, fn: (s: Awaited<ReturnType<typeof openStore>>) => Promise<T>) {
  const store = await openStore(`sqlite:${path.join(dir, 'vigil.db')}`);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

describe('vigil user', () => {
  it('adds a user with a generated password shown once, lists, changes the password and removes', async () => {
    const dir = project();
    const added = await run(dir, 'user', 'add', 'olga', '--role', 'operator');
    expect(added.code).toBe(0);
    const password = /password: (\S+)/.exec(added.out)![1]!;
    await withStoreOf(dir, async (store) => {
      expect(await sessionManager(store, 60_000).login('olga', password, Date.now())).toBeDefined();
      const raw = JSON.stringify(await store.db.selectFrom('users').selectAll().execute());
      expect(raw).not.toContain(password);
    });
    const again = await run(dir, 'user', 'add', 'olga');
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already a user "olga"/);
    const list = JSON.parse((await run(dir, 'user', 'list', '--json')).out);
    expect(list.users).toEqual([
      { name: 'olga', role: 'operator', createdAt: expect.any(String), lastLoginAt: expect.any(String) },
    ]);
    const changed = await run(dir, 'user', 'passwd', 'olga');
    const next = /password: (\S+)/.exec(changed.out)![1]!;
    await withStoreOf(dir, async (store) => {
      const s = sessionManager(store, 60_000);
      expect(await s.login('olga', password, Date.now())).toBeUndefined();
      expect(await s.login('olga', next, Date.now())).toBeDefined();
    });
    expect((await run(dir, 'user', 'remove', 'olga')).code).toBe(0);
    expect((await run(dir, 'user', 'remove', 'olga')).code).toBe(2);
  });

  it('takes a password on stdin, refuses a short one, a bad role and a bad name', async () => {
    const dir = project();
    const c = captureIo(dir, {});
    const config = path.join(dir, 'vigil.yaml');
    expect(
      await userAddCommand(
        c.io,
        'vic',
        { config, passwordStdin: true },
        Readable.from(['a long enough password\n']),
      ),
    ).toBe(0);
    expect(c.stdout()).not.toContain('password:');
    await expect(
      userAddCommand(c.io, 'w', { config, passwordStdin: true }, Readable.from(['short\n'])),
    ).rejects.toThrow(/shorter than 12/);
    const badRole = await run(dir, 'user', 'add', 'x', '--role', 'root');
    expect(badRole.code).toBe(2);
    expect(badRole.err).toMatch(/viewer, operator, admin/);
    expect((await run(dir, 'user', 'add', 'no spaces')).code).toBe(2);
  });
});

describe('vigil token', () => {
  it('creates a token shown once, lists it with its last use, and revokes it', async () => {
    const dir = project();
    const made = await run(
      dir,
      'token',
      'create',
      'github-deploy',
      '--role',
      'operator',
      '--expires',
      '90d',
      '--json',
    );
    expect(made.code).toBe(0);
    const { token, id, owner, expiresAt } = JSON.parse(made.out);
    expect(token).toMatch(/^vigil_[a-f0-9]{12}_/);
    expect(owner).toBe('cli:ana');
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(89 * 86_400_000);
    await withStoreOf(dir, async (store) => {
      expect(await authenticateToken(store, token)).toMatchObject({ role: 'operator' });
    });
    const listed = JSON.parse((await run(dir, 'token', 'list', '--json')).out);
    expect(listed.tokens).toEqual([
      expect.objectContaining({ id, name: 'github-deploy', lastUsedAt: expect.any(String) }),
    ]);
    expect(JSON.stringify(listed)).not.toContain(token);
    const table = (await run(dir, 'token', 'list')).out;
    expect(table).toMatch(/github-deploy\s+operator\s+cli:ana/);
    expect((await run(dir, 'token', 'revoke', 'github-deploy')).out).toBe('1 token revoked');
    expect(JSON.parse((await run(dir, 'token', 'list', '--json')).out).tokens).toEqual([]);
    expect(
      JSON.parse((await run(dir, 'token', 'list', '--all', '--json')).out).tokens[0].revokedAt,
    ).not.toBeNull();
    await withStoreOf(dir, async (store) => expect(await authenticateToken(store, token)).toBeUndefined());
    expect((await run(dir, 'token', 'revoke', id)).code).toBe(2);
    expect((await run(dir, 'token', 'create', 'x', '--expires', 'soon')).code).toBe(2);
  });

  it('revokes with the store URL alone, while the config names secrets that are not exported', async () => {
    const dir = project();
    const storage = `sqlite:${path.join(dir, 'vigil.db')}`;
    writeFileSync(
      path.join(dir, 'vigil.yaml'),
      `storage: ${storage}\nnotify:\n  - name: pager\n    pagerduty: { routing_key: "\${PD_KEY}" }\n`,
    );
    const token = await withStoreOf(dir, async (store) => {
      const { createToken } = await import('../../src/auth/tokens.js');
      return (
        await createToken(store, { name: 'leaked', owner: 'x', role: 'admin', expiresAt: null }, Date.now())
      ).token;
    });
    // PD_KEY is not set: the whole config would not load, but revocation needs only storage:
    const fromConfig = await run(dir, 'token', 'list', '--json');
    expect(fromConfig.code, fromConfig.err).toBe(0);
    const c = captureIo(dir, {});
    const code = await main(['node', 'vigil', 'token', 'revoke', 'leaked', '--storage', storage], c.io);
    expect(code, c.stderr()).toBe(0);
    expect(c.stdout()).toBe('1 token revoked');
    await withStoreOf(dir, async (store) => expect(await authenticateToken(store, token)).toBeUndefined());
  });

  it("ends the user's sessions when the password changes", async () => {
    const dir = project();
    const password = /password: (\S+)/.exec((await run(dir, 'user', 'add', 'olga')).out)![1]!;
    const id = await withStoreOf(dir, async (store) => {
      const s = sessionManager(store, 60_000);
      const done = (await s.login('olga', password, Date.now()))!;
      expect(await s.get(done.id, Date.now())).toBeDefined();
      return done.id;
    });
    expect((await run(dir, 'user', 'passwd', 'olga')).code).toBe(0);
    await withStoreOf(dir, async (store) =>
      expect(await sessionManager(store, 60_000).get(id, Date.now())).toBeUndefined(),
    );
  });
});
