import type { Kysely } from 'kysely';
import type { Role } from '../auth/roles.js';
import type { Tables } from './tables.js';

export interface UserRow {
  name: string;
  role: Role;
  created_at: number;
  last_login_at: number | null;
}

export interface TokenRow {
  id: string;
  name: string;
  owner: string;
  role: Role;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
  revoked_at: number | null;
  /** a probe token's location; null for the other roles */
  location: string | null;
}

const num = (v: number | null) => (v === null ? null : Number(v));

/** Users, API tokens and sessions. Hashes go in and are compared elsewhere; nothing here is secret. */
export function usersRepo(db: Kysely<Tables>) {
  const toUser = (r: Omit<Tables['users'], 'password_hash'>): UserRow => ({
    name: r.name,
    role: r.role as Role,
    created_at: Number(r.created_at),
    last_login_at: num(r.last_login_at),
  });
  return {
    async list(): Promise<UserRow[]> {
      const rows = await db
        .selectFrom('users')
        .select(['name', 'role', 'created_at', 'last_login_at'])
        .orderBy('name')
        .execute();
      return rows.map(toUser);
    },
    async count(): Promise<number> {
      const r = await db
        .selectFrom('users')
        .select((e) => e.fn.countAll<number>().as('n'))
        .executeTakeFirst();
      return Number(r?.n ?? 0);
    },
    async withHash(name: string): Promise<(UserRow & { password_hash: string }) | undefined> {
      const r = await db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
      return r && { ...toUser(r), password_hash: r.password_hash };
    },
    /** false when the name is taken */
    async add(name: string, role: Role, passwordHash: string, now: number): Promise<boolean> {
      const r = await db
        .insertInto('users')
        .values({ name, role, password_hash: passwordHash, created_at: now, last_login_at: null })
        .onConflict((oc) => oc.column('name').doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    /** sets the password and ends the user's sessions: a new password is often a reaction to a leaked one */
    async setPassword(name: string, passwordHash: string): Promise<boolean> {
      return db.transaction().execute(async (tx) => {
        const r = await tx
          .updateTable('users')
          .set({ password_hash: passwordHash })
          .where('name', '=', name)
          .executeTakeFirst();
        await tx.deleteFrom('sessions').where('user_name', '=', name).execute();
        return Number(r.numUpdatedRows) > 0;
      });
    },
    async loggedIn(name: string, now: number): Promise<void> {
      await db.updateTable('users').set({ last_login_at: now }).where('name', '=', name).execute();
    },
    /** removes the user and ends their sessions; their tokens stay until revoked, and are listed by owner */
    async remove(name: string): Promise<boolean> {
      return db.transaction().execute(async (tx) => {
        await tx.deleteFrom('sessions').where('user_name', '=', name).execute();
        const r = await tx.deleteFrom('users').where('name', '=', name).executeTakeFirst();
        return Number(r.numDeletedRows) > 0;
      });
    },
  };
}

export function tokensRepo(db: Kysely<Tables>) {
  const toToken = (r: Omit<Tables['api_tokens'], 'secret_hash'>): TokenRow => ({
    id: r.id,
    name: r.name,
    owner: r.owner,
    role: r.role as Role,
    created_at: Number(r.created_at),
    last_used_at: num(r.last_used_at),
    expires_at: num(r.expires_at),
    revoked_at: num(r.revoked_at),
    location: r.location ?? null,
  });
  const columns = [
    'id',
    'name',
    'owner',
    'role',
    'created_at',
    'last_used_at',
    'expires_at',
    'revoked_at',
    'location',
  ] as const;
  return {
    async list(): Promise<TokenRow[]> {
      const rows = await db.selectFrom('api_tokens').select(columns).orderBy('created_at').execute();
      return rows.map(toToken);
    },
    async add(t: TokenRow & { secret_hash: string }): Promise<void> {
      await db.insertInto('api_tokens').values(t).execute();
    },
    async withHash(id: string): Promise<(TokenRow & { secret_hash: string }) | undefined> {
      const r = await db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
      return r && { ...toToken(r), secret_hash: r.secret_hash };
    },
    async used(id: string, now: number): Promise<void> {
      await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', id).execute();
    },
    /** revokes by id, or every live token of that name; returns how many */
    async revoke(idOrName: string, now: number): Promise<number> {
      const r = await db
        .updateTable('api_tokens')
        .set({ revoked_at: now })
        .where((e) => e.or([e('id', '=', idOrName), e('name', '=', idOrName)]))
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows);
    },
  };
}

export function sessionsRepo(db: Kysely<Tables>) {
  return {
    async add(s: Tables['sessions']): Promise<void> {
      await db.insertInto('sessions').values(s).execute();
    },
    /** the session with its user's current role, in one query; undefined once either is gone */
    async withUser(idHash: string): Promise<(Tables['sessions'] & { role: Role }) | undefined> {
      const r = await db
        .selectFrom('sessions')
        .innerJoin('users', 'users.name', 'sessions.user_name')
        .selectAll('sessions')
        .select('users.role')
        .where('sessions.id_hash', '=', idHash)
        .executeTakeFirst();
      return (
        r && {
          ...r,
          role: r.role as Role,
          created_at: Number(r.created_at),
          expires_at: Number(r.expires_at),
          last_seen_at: Number(r.last_seen_at),
        }
      );
    },
    async touch(idHash: string, now: number, expiresAt: number): Promise<void> {
      await db
        .updateTable('sessions')
        .set({ last_seen_at: now, expires_at: expiresAt })
        .where('id_hash', '=', idHash)
        .execute();
    },
    async remove(idHash: string): Promise<void> {
      await db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
    },
    async prune(now: number): Promise<number> {
      const r = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
