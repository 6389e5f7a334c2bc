import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TlsSpec, tlsCheck } from '../../src/checks/tls.js';
import { makeCtx } from './ctx.js';

const dayMs = 86_400_000;
let dir: string;
let server: tls.Server;
let port: number;

/** A certificate valid for five days, made now, so expiry arithmetic is against a real clock. */
function selfSigned(into: string): { key: Buffer; cert: Buffer } {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '5',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      path.join(into, 'key.pem'),
      '-out',
      path.join(into, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  return {
    key: fs.readFileSync(path.join(into, 'key.pem')),
    cert: fs.readFileSync(path.join(into, 'cert.pem')),
  };
}

function listen(s: net.Server): Promise<number> {
  return new Promise((resolve) =>
    s.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port)),
  );
}

function spec(over: Partial<TlsSpec>): TlsSpec {
  return tlsCheck.schema.parse({ host: '127.0.0.1', port, servername: 'localhost', ...over });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-tls-'));
  server = tls.createServer(selfSigned(dir), (socket) => socket.end());
  port = await listen(server);
});

afterAll(() => {
  server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('tls check', () => {
  it('warns about a certificate inside warn_days and reports its expiry', async () => {
    const out = await tlsCheck.run(spec({ insecure_skip_verify: true }), makeCtx());
    expect(out.status).toBe('warning');
    expect(out.message).toMatch(/^certificate for localhost expires in [45] days \(\d{4}-\d{2}-\d{2}\)$/);
    const left = out.samples?.find((s) => s.name === 'tls_cert_expiry_seconds')?.value ?? 0;
    expect(left).toBeGreaterThan(5 * 86_400 - 3600);
    expect(left).toBeLessThanOrEqual(5 * 86_400);
    const notAfter = out.samples?.find((s) => s.name === 'tls_cert_not_after_timestamp_seconds')?.value ?? 0;
    expect(Math.abs(notAfter - (Date.now() / 1000 + left))).toBeLessThan(60);
  });

  it('is ok when further away than warn_days, critical inside critical_days', async () => {
    const ok = await tlsCheck.run(
      spec({ insecure_skip_verify: true, warn_days: 3, critical_days: 1 }),
      makeCtx(),
    );
    expect(ok.status).toBe('ok');
    const critical = await tlsCheck.run(
      spec({ insecure_skip_verify: true, warn_days: 30, critical_days: 10 }),
      makeCtx(),
    );
    expect(critical.status).toBe('critical');
  });

  it('judges expiry at ctx.now(): the same certificate ten days later has expired', async () => {
    const later = Date.now() + 10 * dayMs;
    const out = await tlsCheck.run(spec({ insecure_skip_verify: true }), makeCtx({ now: () => later }));
    expect(out.status).toBe('critical');
    expect(out.message).toMatch(/expired [45] days ago/);
    expect(out.samples?.find((s) => s.name === 'tls_cert_expiry_seconds')?.value).toBeLessThan(0);
  });

  it('is critical when the chain does not verify, yet still reports the expiry', async () => {
    const out = await tlsCheck.run(spec({ warn_days: 1, critical_days: 0 }), makeCtx());
    expect(out.status).toBe('critical');
    expect(out.message).toMatch(/verification failed: DEPTH_ZERO_SELF_SIGNED_CERT/);
    expect(out.samples?.map((s) => s.name)).toContain('tls_cert_expiry_seconds');
  });

  it('is critical when the handshake fails', async () => {
    const plain = net.createServer((socket) => socket.end('this is not TLS\r\n'));
    const plainPort = await listen(plain);
    try {
      const out = await tlsCheck.run(spec({ port: plainPort }), makeCtx());
      expect(out.status).toBe('critical');
      expect(out.message).toMatch(/^TLS handshake failed: /);
      expect(out.samples).toBeUndefined();
    } finally {
      plain.close();
    }
  });

  it('gives up when its signal is aborted', async () => {
    let accepted!: () => void;
    const connected = new Promise<void>((resolve) => {
      accepted = resolve;
    });
    const held: net.Socket[] = [];
    const silent = net.createServer((socket) => {
      held.push(socket);
      accepted();
    });
    const silentPort = await listen(silent);
    try {
      const ctx = makeCtx({ timeoutMs: 1234 });
      const running = tlsCheck.run(spec({ port: silentPort }), ctx);
      await connected;
      ctx.controller.abort(new Error('timeout'));
      const out = await running;
      expect(out).toMatchObject({ status: 'critical', message: 'timed out after 1234ms' });
    } finally {
      for (const socket of held) socket.destroy();
      silent.close();
    }
  });

  it('rejects invalid specs', () => {
    expect(tlsCheck.schema.safeParse({ host: 'example.com', port: '443' }).success).toBe(false);
    expect(tlsCheck.schema.safeParse({ host: 'example.com', warn_day: 10 }).success).toBe(false);
    expect(tlsCheck.schema.safeParse({ host: 'example.com', warn_days: 3, critical_days: 7 }).success).toBe(
      false,
    );
    expect(tlsCheck.schema.parse({ host: 'example.com' })).toEqual({
      host: 'example.com',
      port: 443,
      warn_days: 14,
      critical_days: 3,
      insecure_skip_verify: false,
    });
  });
});
