import { createHash } from 'node:crypto';

const fingerprints = new WeakMap<object, string>();

/**
 * An alert's identity in notifications and the store: 16 hex digits of a hash
 * of its sorted labels (like Alertmanager's), the same across restarts. Printable
 * on purpose: PostgreSQL's text refuses the NUL bytes of the in-memory label-set key.
 */
export function alertFingerprint(labels: Readonly<Record<string, string>>): string {
  let fp = fingerprints.get(labels);
  if (!fp) {
    const h = createHash('sha256');
    for (const k of Object.keys(labels).sort()) h.update(`${k}\u0000${labels[k]}\u0000`);
    fp = h.digest('hex').slice(0, 16);
    fingerprints.set(labels, fp);
  }
  return fp;
}
