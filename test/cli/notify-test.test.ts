import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { startReceiver } from '../notify/receiver.js';
import { captureIo } from './io.js';

describe('vigil notify test <channel>', () => {
  let ok: Awaited<ReturnType<typeof startReceiver>>;
  let refusing: Awaited<ReturnType<typeof startReceiver>>;
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-notify-test-'));
  const config = path.join(dir, 'vigil.yaml');

  beforeAll(async () => {
    ok = await startReceiver(() => 200);
    refusing = await startReceiver(() => 400);
    writeFileSync(
      config,
      `storage: sqlite:${path.join(dir, 'vigil.db')}
notify:
  - name: chat
    discord: { url: "${ok.url}/api/webhooks/1/\${DISCORD_TOKEN}" }
  - name: broken
    ntfy: { url: "${refusing.url}", topic: ops }
`,
    );
  });
  afterAll(async () => {
    await ok.close();
    await refusing.close();
  });

  const run = async (...argv: string[]) => {
    const c = captureIo(dir, { DISCORD_TOKEN: 'secret-token' });
    const code = await main(['node', 'vigil', 'notify', 'test', ...argv, '--config', config], c.io);
    return { code, out: c.stdout(), err: c.stderr() };
  };

  it("sends one test message and prints the receiver's answer, without the secret", async () => {
    const r = await run('chat');
    expect(r.code).toBe(0);
    expect(r.out).toBe(`chat (discord → ${new URL(ok.url).host}): HTTP 200: ok`);
    expect(ok.accepted).toHaveLength(1);
    expect(ok.accepted[0]!.path).toBe('/api/webhooks/1/secret-token?wait=true');
    expect(ok.accepted[0]!.body.content).toContain('VigilTestNotification');
  });

  it('exits 1 with the refusal, and 2 for a channel that does not exist', async () => {
    const refused = await run('broken');
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(
      /^broken \(ntfy\): 127\.0\.0\.1:\d+ answered HTTP 400: no \(refused; not retried\)$/,
    );
    const missing = await run('nope');
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('chat, broken');
  });
});
