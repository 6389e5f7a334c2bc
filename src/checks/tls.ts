import net from 'node:net';
import { performance } from 'node:perf_hooks';
import tls from 'node:tls';
import { z } from 'zod';
import { describe } from '../errors.js';
import type { CheckKind, KindOutcome } from './types.js';

const schema = z
  .strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(443),
    /** the name sent as SNI and verified against the certificate; defaults to `host` */
    servername: z.string().min(1).optional(),
    warn_days: z.number().nonnegative().default(14),
    critical_days: z.number().nonnegative().default(3),
    insecure_skip_verify: z.boolean().default(false),
  })
  .refine((s) => s.critical_days <= s.warn_days, {
    message: 'critical_days must not be larger than warn_days',
    path: ['critical_days'],
  });

export type TlsSpec = z.output<typeof schema>;

const dayMs = 86_400_000;

export const tlsCheck: CheckKind<TlsSpec> = {
  schema,
  series: ['tls_cert_expiry_seconds', 'tls_cert_not_after_timestamp_seconds'],
  target: (spec) => `${spec.servername ?? spec.host}:${spec.port}`,
  async run(spec, ctx) {
    const started = performance.now();
    const shown = spec.servername ?? spec.host;
    let peer: Peer;
    try {
      peer = await handshake(spec, ctx.signal);
    } catch (e) {
      return {
        status: 'critical',
        message: ctx.signal.aborted
          ? `timed out after ${ctx.timeoutMs}ms`
          : `TLS handshake failed: ${describe(e)}`,
        durationMs: performance.now() - started,
      };
    }
    const durationMs = performance.now() - started;
    const notAfter = Date.parse(peer.validTo);
    if (Number.isNaN(notAfter)) {
      return { status: 'critical', message: `${shown} presented no readable certificate`, durationMs };
    }
    return judge(spec, shown, peer, notAfter, ctx.now(), durationMs);
  },
};

interface Peer {
  validTo: string;
  /** why verification failed, when it did: an OpenSSL code or a hostname mismatch */
  verifyError?: string;
}

function judge(
  spec: TlsSpec,
  shown: string,
  peer: Peer,
  notAfter: number,
  now: number,
  durationMs: number,
): KindOutcome {
  const leftMs = notAfter - now;
  const samples = [
    { name: 'tls_cert_expiry_seconds', value: Math.round(leftMs / 1000) },
    { name: 'tls_cert_not_after_timestamp_seconds', value: Math.floor(notAfter / 1000) },
  ];
  const date = new Date(notAfter).toISOString().slice(0, 10);
  const days = Math.floor(Math.abs(leftMs) / dayMs);
  const when =
    leftMs <= 0
      ? `expired ${days} ${plural(days, 'day')} ago (${date})`
      : `expires in ${days} ${plural(days, 'day')} (${date})`;
  const message = `certificate for ${shown} ${when}`;
  if (!spec.insecure_skip_verify && peer.verifyError !== undefined) {
    return {
      status: 'critical',
      message: `${message}, but verification failed: ${peer.verifyError}`,
      durationMs,
      samples,
    };
  }
  const status =
    leftMs <= 0 || leftMs < spec.critical_days * dayMs
      ? 'critical'
      : leftMs < spec.warn_days * dayMs
        ? 'warning'
        : 'ok';
  // A certificate close to its end still serves: critical, not down. An expired one fails clients.
  return { status, message, durationMs, samples, up: leftMs > 0 };
}

/**
 * Always completes the handshake without rejecting, then reads whether the
 * chain verified: so a certificate that fails verification still reports its
 * expiry, and `insecure_skip_verify` only changes the verdict, not the probe.
 */
function handshake(spec: TlsSpec, signal: AbortSignal): Promise<Peer> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const name = spec.servername ?? spec.host;
    const socket = tls.connect({
      host: spec.host,
      port: spec.port,
      // SNI carries host names only; Node warns when given an IP address.
      servername: net.isIP(name) ? undefined : name,
      // checkServerIdentity verifies against the name we expect, not the address we dialled.
      checkServerIdentity: (_host, cert) => tls.checkServerIdentity(name, cert),
      rejectUnauthorized: false,
    });
    const onAbort = () =>
      socket.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
    };
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      const verifyError = socket.authorized
        ? undefined
        : String(socket.authorizationError ?? 'unknown error');
      done();
      resolve({ validTo: cert?.valid_to ?? '', verifyError });
    });
    socket.once('error', (e) => {
      done();
      reject(e);
    });
  });
}

function plural(n: number, word: string): string {
  return n === 1 ? word : `${word}s`;
}
