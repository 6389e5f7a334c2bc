import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Links in subscriber mail: confirm a subscription, unsubscribe with one click. Each is the
 * subscriber's id and the link's purpose signed with HMAC-SHA256 under a key kept in the store, so
 * no token is stored and a link cannot be turned into another subscriber's or another purpose's.
 */

export type LinkPurpose = 'confirm' | 'unsubscribe';

const mac = (secret: string, purpose: LinkPurpose, id: string) =>
  createHmac('sha256', secret).update(`${purpose}\u0000${id}`).digest('base64url');

export function signLink(secret: string, purpose: LinkPurpose, id: string): string {
  return `${id}.${mac(secret, purpose, id)}`;
}

/** The subscriber id a link was signed for, or undefined when it was not signed for this purpose. */
export function verifyLink(secret: string, purpose: LinkPurpose, token: string): string | undefined {
  const [id, sig, ...rest] = token.split('.');
  if (!id || !sig || rest.length || token.length > 256) return undefined;
  const want = Buffer.from(mac(secret, purpose, id));
  const got = Buffer.from(sig);
  return got.length === want.length && timingSafeEqual(got, want) ? id : undefined;
}
