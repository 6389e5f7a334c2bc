import { randomBytes } from 'node:crypto';
import type { Store } from '../store/store.js';
import { dummyHash, verifyPassword } from './password.js';
import type { Principal } from './roles.js';
import { sha256 } from './tokens.js';

export interface Session {
  principal: Principal;
  csrf: string;
}

/** written at most this often per session, so reads do not turn into writes */
const touchEveryMs = 60_000;

/**
 * Browser sessions: a random id in an HttpOnly cookie, only its hash in the
 * store. A session expires after `ttlMs` without use (sliding), and a CSRF
 * token bound to it guards every cookie-authenticated write.
 */
export function sessionManager(store: Store, ttlMs: number) {
  return {
    /** undefined for an unknown user or a wrong password; both take about as long */
    async login(
      user: string,
      password: string,
      now: number,
    ): Promise<{ id: string; session: Session } | undefined> {
      const row = await store.users.withHash(user);
      const ok = await verifyPassword(password, row?.password_hash ?? (await dummyHash()));
      if (!row || !ok) return undefined;
      const id = randomBytes(32).toString('base64url');
      const csrf = randomBytes(24).toString('base64url');
      await store.sessions.add({
        id_hash: sha256(id),
        user_name: row.name,
        csrf,
        created_at: now,
        expires_at: now + ttlMs,
        last_seen_at: now,
      });
      await store.users.loggedIn(row.name, now);
      return { id, session: { principal: { name: row.name, role: row.role, via: 'session' }, csrf } };
    },

    async get(id: string, now: number): Promise<Session | undefined> {
      const idHash = sha256(id);
      // the role is read each time, so a demotion or removal takes effect at once
      const s = await store.sessions.withUser(idHash);
      if (!s || s.expires_at <= now) return undefined;
      if (now - s.last_seen_at >= touchEveryMs) await store.sessions.touch(idHash, now, now + ttlMs);
      return { principal: { name: s.user_name, role: s.role, via: 'session' }, csrf: s.csrf };
    },

    async logout(id: string): Promise<void> {
      await store.sessions.remove(sha256(id));
    },
  };
}

export type SessionManager = ReturnType<typeof sessionManager>;
