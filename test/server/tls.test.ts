import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { type Daemon, startDaemon } from '../../src/daemon.js';

const haveOpenssl = spawnSync('openssl', ['version']).status === 0;
if (!haveOpenssl && process.env.CI !== 'true') console.warn('openssl not installed: the TLS test is skipped');

function selfSigned(dir: string, name: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
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
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return { cert, key };
}

/** The certificate a new connection is shown, and the protocol agreed. */
function handshake(
  port: number,
  opts: tls.ConnectionOptions = {},
): Promise<{ cn: string; protocol: string }> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false, ...opts }, () => {
      const cn = String(s.getPeerCertificate().subject?.CN);
      const protocol = s.getProtocol() ?? '';
      s.end();
      resolve({ cn, protocol });
    });
    s.on('error', reject);
  });
}

describe.skipIf(!haveOpenssl && process.env.CI !== 'true')('built-in TLS', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-tls-'));
  let daemon: Daemon | undefined;
  afterAll(async () => {
    await daemon?.stop(2000);
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS with TLS 1.2 or later, and takes a renewed certificate on reload without closing the listener', async () => {
    const first = selfSigned(dir, 'first');
    const config = path.join(dir, 'vigil.yaml');
    const write = (c: { cert: string; key: string }) =>
      writeFileSync(
        config,
        `storage: sqlite:${path.join(dir, 'vigil.db')}\nserver: { tls: { cert: ${c.cert}, key: ${c.key} } }\n`,
      );
    write(first);
    daemon = await startDaemon({
      configPath: config,
      logger: pino({ level: 'silent' }),
      listen: '127.0.0.1:0',
      env: {},
    });
    expect(daemon.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const port = Number(new URL(daemon.url).port);

    expect(await handshake(port)).toMatchObject({ cn: 'first' });
    expect((await handshake(port, { maxVersion: 'TLSv1.2' })).protocol).toBe('TLSv1.2');
    await expect(handshake(port, { maxVersion: 'TLSv1.1', minVersion: 'TLSv1' })).rejects.toThrow();

    // A request over a connection opened before the reload is still answered after it.
    const kept = tls.connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    await new Promise((r) => kept.once('secureConnect', r));

    write(selfSigned(dir, 'second'));
    await daemon.reload();
    expect(await handshake(port)).toMatchObject({ cn: 'second' });
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      kept.on('data', (d) => {
        text += d;
        if (text.includes('\r\n\r\n')) resolve(text);
      });
      kept.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    });
    expect(answer).toMatch(/^HTTP\/1\.1 200/);

    // A broken renewal is refused; the running certificate stays.
    writeFileSync(path.join(dir, 'second.crt'), 'not a certificate');
    await daemon.reload();
    expect(await handshake(port)).toMatchObject({ cn: 'second' });
  }, 30_000);
});
