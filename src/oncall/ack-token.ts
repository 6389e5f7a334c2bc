import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Acknowledgement links: `/ack/<token>` acknowledges one incident without a login. The token
 * says which incident, for whom and until when, signed with HMAC-SHA256 under a secret kept in
 * the store; it is valid for that incident only and only until it expires.
 */

export interface AckClaim {
  incident: number;
  /** who the link was sent to: a person, or `channel:<name>` */
  to: string;
  expiresAt: number;
}

const b64 = (b: Buffer | string) => Buffer.from(b).toString('base64url');
const mac = (secret: string, body: string) =>
  createHmac('sha256', secret).update(`ack\u0000${body}`).digest();

/** @example signAck(secret, { incident: 7, to: 'ana', expiresAt: Date.parse('2026-12-09T03:00:00Z') }) → 'eyJp…' */
export function signAck(secret: string, c: AckClaim): string {
  const body = b64(JSON.stringify({ i: c.incident, t: c.to, e: c.expiresAt }));
  return `${body}.${b64(mac(secret, body))}`;
}

/** The claim of a token signed with `secret`, `expired`, or `invalid` (forged, altered, malformed). */
export function verifyAck(secret: string, token: string, now: number): AckClaim | 'expired' | 'invalid' {
  const [body, sig, ...rest] = token.split('.');
  if (!body || !sig || rest.length || token.length > 1024) return 'invalid';
  const want = mac(secret, body);
  const got = Buffer.from(sig, 'base64url');
  if (got.length !== want.length || !timingSafeEqual(got, want)) return 'invalid';
  let claim: { i?: unknown; t?: unknown; e?: unknown };
  try {
    claim = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return 'invalid';
  }
  if (typeof claim.i !== 'number' || typeof claim.t !== 'string' || typeof claim.e !== 'number')
    return 'invalid';
  if (now >= claim.e) return 'expired';
  return { incident: claim.i, to: claim.t, expiresAt: claim.e };
}
