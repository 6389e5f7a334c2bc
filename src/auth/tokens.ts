import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { VigilError } from '../errors.js';
import type { TokenRow } from '../store/auth.js';
import type { Store } from '../store/store.js';
import type { Principal, Role } from './roles.js';

/**
 * API tokens look like `vigil_<id>_<secret>`: the id finds the row, the secret
 * is compared against its sha256. A token carries 192 random bits, so a fast
 * hash is enough (unlike passwords); the prefix lets secret scanners spot one.
 */
const pattern = /^vigil_([a-f0-9]{12})_([A-Za-z0-9_-]{32})$/;

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** last_used_at is written at most this often per token, so reads do not turn into writes */
const touchEveryMs = 60_000;

export async function createToken(
  store: Store,
  t: { name: string; owner: string; role: Role; expiresAt: number | null; location?: string },
  now: number,
): Promise<{ token: string; row: TokenRow }> {
  // A probe's token is bound to its place: a stolen one cannot pose as another location.
  if ((t.role === 'probe') !== (t.location !== undefined)) {
    throw new VigilError(
      'USAGE',
      t.role === 'probe' ? 'a probe token needs a location' : 'only a probe token has a location',
      { hint: 'vigil token create eu-probe --role probe --location eu-west' },
    );
  }
  if (t.location !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(t.location)) {
    throw new VigilError('USAGE', `"${t.location}" is not a location name`, {
      hint: 'letters, digits, "_", "-" and ".", as in a check\'s locations:',
    });
  }
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(24).toString('base64url');
  const row: TokenRow = {
    id,
    name: t.name,
    owner: t.owner,
    role: t.role,
    created_at: now,
    last_used_at: null,
    expires_at: t.expiresAt,
    revoked_at: null,
    location: t.location ?? null,
  };
  await store.tokens.add({ ...row, secret_hash: sha256(secret) });
  return { token: `vigil_${id}_${secret}`, row };
}

/** The principal a token stands for, or undefined when it is unknown, revoked, expired or wrong. */
export async function authenticateToken(
  store: Store,
  token: string,
  now: number = Date.now(),
): Promise<Principal | undefined> {
  const m = pattern.exec(token.trim());
  if (!m) return undefined;
  const row = await store.tokens.withHash(m[1]!);
  if (!row || row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now)) return undefined;
  const expected = Buffer.from(row.secret_hash, 'hex');
  const actual = Buffer.from(sha256(m[2]!), 'hex');
  if (!timingSafeEqual(expected, actual)) return undefined;
  if (row.last_used_at === null || now - row.last_used_at >= touchEveryMs)
    await store.tokens.used(row.id, now);
  return {
    name: `token:${row.name}`,
    role: row.role,
    via: 'token',
    ...(row.location === null ? {} : { location: row.location }),
  };
}
