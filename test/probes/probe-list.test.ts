import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { probeListCommand } from '../../src/cli/probe.js';
import { openStore } from '../../src/store/store.js';
import { captureIo } from '../cli/io.js';

describe('vigil probe list', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vigil-probe-list-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('shows each agent with its location, version, last contact, lag and waiting results', async () => {
    const db = path.join(dir, 'vigil.db');
    const config = path.join(dir, 'vigil.yaml');
    writeFileSync(
      config,
      `storage: sqlite:${db}\nchecks:\n  - { name: api, http: { url: "http://a.example/" }, locations: [eu, us] }\n`,
    );
    const store = await openStore(`sqlite:${db}`);
    const now = Date.now();
    const agent = { location: 'eu', tokenName: 'eu-probe', version: '1.2.3', hostname: 'eu-1.example' };
    await store.probes.push(
      { id: 'eu/a1', ...agent },
      [
        {
          seq: 1,
          check: 'api',
          location: 'eu',
          startedAt: now - 2500,
          durationMs: 80,
          status: 'ok',
          message: '',
        },
      ],
      { now, buffered: 7, maxSeq: 1 },
    );
    await store.close();

    const table = captureIo(dir);
    expect(await probeListCommand(table.io, { config })).toBe(0);
    expect(table.stdout()).toMatch(
      /^AGENT\s+LOCATION\s+HOST\s+VERSION\s+LAST CONTACT\s+LAG\s+WAITING\s+STATE$/m,
    );
    expect(table.stdout()).toMatch(
      /^eu\/a1\s+eu\s+eu-1\.example\s+1\.2\.3\s+\d+s ago\s+2\.5s\s+7\s+reporting$/m,
    );
    expect(table.stdout()).toContain('locations with no reporting agent: us');

    const json = captureIo(dir);
    await probeListCommand(json.io, { config, json: true });
    const body = JSON.parse(json.stdout());
    expect(body.locations).toEqual([
      { location: 'eu', agents: 1, missing: false },
      { location: 'us', agents: 0, missing: true },
    ]);
    expect(body.agents[0]).toMatchObject({
      id: 'eu/a1',
      version: '1.2.3',
      lagMs: 2500,
      buffered: 7,
      lastSeq: 1,
    });
  });
});
