import { readFileSync } from 'node:fs';
import { generatePassword, hashPassword } from '../auth/password.js';
import { isRole, type Role, roles } from '../auth/roles.js';
import { createToken } from '../auth/tokens.js';
import { addUser } from '../auth/users.js';
import { interpolate } from '../config/interpolate.js';
import { readYaml } from '../config/loader.js';
import { parseDuration } from '../core/duration.js';
import { VigilError } from '../errors.js';
import type { TokenRow } from '../store/auth.js';
import { openStore, type Store } from '../store/store.js';
import { configPath } from './config-path.js';
import { type Io, table } from './output.js';
import { actor, isoTime } from './with-store.js';

/**
 * `vigil user …` and `vigil token …`: who may use the dashboard and the API.
 * Passwords never travel on the command line (shell history): they come on
 * stdin with --password-stdin, or Vigil makes one and prints it once.
 */
function role(text: string | undefined, fallback: Role): Role {
  const r = text ?? fallback;
  if (!isRole(r))
    throw new VigilError('USAGE', `--role ${r}: not a role`, { hint: `one of ${roles.join(', ')}` });
  return r;
}

interface StoreOpts {
  config?: string;
  /** the store's URL: then no config file is read at all */
  storage?: string;
}

/**
 * The store for access commands, from --storage, else from the config's
 * `storage:` alone. Revoking a leaked token is an emergency: it must not wait
 * for every other secret of the config to be exported into the shell.
 */
async function withAccessStore<T>(io: Io, opts: StoreOpts, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(opts.storage ?? storageOf(io, opts.config));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

function storageOf(io: Io, config: string | undefined): string {
  const file = configPath(io, config);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new VigilError('CONFIG_NOT_FOUND', `cannot read ${file}: ${(e as Error).message}`, {
      hint: 'pass --storage <url> or --config <file>',
      cause: e,
    });
  }
  const { raw } = readYaml(text, file);
  const storage = (raw as { storage?: unknown }).storage ?? 'sqlite:./vigil.db';
  if (typeof storage !== 'string')
    throw new VigilError('CONFIG_INVALID', `${file}: storage must be a URL`, {
      hint: 'sqlite:<path> or postgres://…',
    });
  const { value, missing } = interpolate(storage, io.env);
  if (missing.length)
    throw new VigilError('CONFIG_INVALID', `storage: environment variable ${missing[0]} is not set`, {
      hint: `export ${missing[0]}, or pass --storage <url>`,
    });
  return value;
}

const userName = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

async function readPassword(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) text += chunk;
  const password = text.split(/\r?\n/)[0] ?? '';
  if (password.length < 12)
    throw new VigilError('USAGE', 'the password on stdin is shorter than 12 characters', {
      hint: 'use a longer one, or leave out --password-stdin and Vigil makes one',
    });
  return password;
}

export async function userAddCommand(
  io: Io,
  name: string,
  opts: StoreOpts & { role?: string; passwordStdin?: boolean },
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  if (!userName.test(name))
    throw new VigilError('USAGE', `"${name}" is not a user name`, {
      hint: 'letters, digits and _ . @ -, at most 64',
    });
  const r = role(opts.role, 'viewer');
  if (r === 'probe')
    throw new VigilError('USAGE', 'probe is a role for tokens, not for people', {
      hint: 'vigil token create eu-probe --role probe --location eu-west',
    });
  const password = opts.passwordStdin ? await readPassword(stdin) : generatePassword();
  return withAccessStore(io, opts, async (store) => {
    if (!(await addUser(store, name, r, password, Date.now())))
      throw new VigilError('USER_EXISTS', `there is already a user "${name}"`, {
        hint: 'pick another name, or `vigil user remove` the old one first',
      });
    io.out(`user ${name} (${r}) added`);
    if (!opts.passwordStdin) io.out(`password: ${password}  (shown only now)`);
    return 0;
  });
}

export async function userPasswdCommand(
  io: Io,
  name: string,
  opts: StoreOpts & { passwordStdin?: boolean },
  stdin: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  const password = opts.passwordStdin ? await readPassword(stdin) : generatePassword();
  return withAccessStore(io, opts, async (store) => {
    if (!(await store.users.setPassword(name, await hashPassword(password))))
      throw new VigilError('NOT_FOUND', `no user "${name}"`, { hint: 'see `vigil user list`' });
    io.out(`password of ${name} changed`);
    if (!opts.passwordStdin) io.out(`password: ${password}  (shown only now)`);
    return 0;
  });
}

export async function userListCommand(io: Io, opts: StoreOpts & { json?: boolean }): Promise<number> {
  return withAccessStore(io, opts, async (store) => {
    const users = await store.users.list();
    if (opts.json) {
      io.out(
        JSON.stringify(
          {
            users: users.map((u) => ({
              name: u.name,
              role: u.role,
              createdAt: isoTime(u.created_at),
              lastLoginAt: u.last_login_at === null ? null : isoTime(u.last_login_at),
            })),
          },
          null,
          2,
        ),
      );
    } else {
      io.out(
        table([
          ['USER', 'ROLE', 'CREATED', 'LAST LOGIN'],
          ...users.map((u) => [u.name, u.role, isoTime(u.created_at), isoTime(u.last_login_at)]),
        ]),
      );
    }
    return 0;
  });
}

export async function userRemoveCommand(io: Io, name: string, opts: StoreOpts): Promise<number> {
  return withAccessStore(io, opts, async (store) => {
    if (!(await store.users.remove(name)))
      throw new VigilError('NOT_FOUND', `no user "${name}"`, { hint: 'see `vigil user list`' });
    io.out(`user ${name} removed and logged out; tokens they created stay until revoked (vigil token list)`);
    return 0;
  });
}

export async function tokenCreateCommand(
  io: Io,
  name: string,
  opts: StoreOpts & { role?: string; expires?: string; json?: boolean; location?: string },
): Promise<number> {
  let ttl: number | undefined;
  if (opts.expires !== undefined) {
    ttl = parseDuration(opts.expires);
    if (ttl === undefined || ttl <= 0)
      throw new VigilError('USAGE', `--expires ${opts.expires}: not a duration`, { hint: 'e.g. 90d, 1w' });
  }
  const r = role(opts.role, 'viewer');
  return withAccessStore(io, opts, async (store) => {
    const now = Date.now();
    const { token, row } = await createToken(
      store,
      {
        name,
        owner: `cli:${actor(io)}`,
        role: r,
        expiresAt: ttl === undefined ? null : now + ttl,
        ...(opts.location === undefined ? {} : { location: opts.location }),
      },
      now,
    );
    if (opts.json) io.out(JSON.stringify({ token, ...tokenView(row) }, null, 2));
    else {
      io.out(`token ${row.id} "${name}" (${r}) created; it is shown only now:`);
      io.out(token);
    }
    return 0;
  });
}

function tokenView(t: TokenRow) {
  const when = (ms: number | null) => (ms === null ? null : isoTime(ms));
  return {
    id: t.id,
    name: t.name,
    owner: t.owner,
    role: t.role,
    createdAt: isoTime(t.created_at),
    lastUsedAt: when(t.last_used_at),
    expiresAt: when(t.expires_at),
    revokedAt: when(t.revoked_at),
    ...(t.location === null ? {} : { location: t.location }),
  };
}

export async function tokenListCommand(
  io: Io,
  opts: StoreOpts & { json?: boolean; all?: boolean },
): Promise<number> {
  return withAccessStore(io, opts, async (store) => {
    const now = Date.now();
    const live = (t: TokenRow) => t.revoked_at === null && (t.expires_at === null || t.expires_at > now);
    const tokens = (await store.tokens.list()).filter((t) => opts.all || live(t));
    if (opts.json) io.out(JSON.stringify({ tokens: tokens.map(tokenView) }, null, 2));
    else
      io.out(
        table([
          ['ID', 'NAME', 'ROLE', 'OWNER', 'CREATED', 'LAST USED', 'EXPIRES', 'STATE'],
          ...tokens.map((t) => [
            t.id,
            t.name,
            t.location === null ? t.role : `${t.role}@${t.location}`,
            t.owner,
            isoTime(t.created_at),
            isoTime(t.last_used_at),
            isoTime(t.expires_at),
            live(t) ? 'live' : t.revoked_at !== null ? 'revoked' : 'expired',
          ]),
        ]),
      );
    return 0;
  });
}

export async function tokenRevokeCommand(io: Io, idOrName: string, opts: StoreOpts): Promise<number> {
  return withAccessStore(io, opts, async (store) => {
    const n = await store.tokens.revoke(idOrName, Date.now());
    if (!n)
      throw new VigilError('NOT_FOUND', `no live token with id or name "${idOrName}"`, {
        hint: 'see `vigil token list`',
      });
    io.out(`${n} token${n === 1 ? '' : 's'} revoked`);
    return 0;
  });
}
