import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';
import { openStore } from '../../src/store/store.js';
import { testApp } from './test-app.js';

const yaml = `
checks:
  - name: pg-primary
    display_name: Orders database
    description: Where orders are kept
    tcp: { host: 127.0.0.1, port: 5432 }
  - name: app-journal
    tcp: { host: 127.0.0.1, port: 9 }
status_page:
  groups:
    - name: Shop
      description: Buying and paying
      checks: [pg-primary, app-journal]
`;

describe('the public status page names checks as the operator chose', () => {
  it('shows display names and descriptions, never the internal name of a check that has one', async () => {
    const store = await openStore('sqlite::memory:');
    const app = testApp({
      store,
      clock: new FakeClock(Date.UTC(2026, 10, 27, 12)),
      config: parseConfig(yaml, 'vigil.yaml', {}),
    });
    try {
      const page = (await app.inject('/api/v1/status')).json();
      expect(page.groups[0]).toMatchObject({
        name: 'Shop',
        description: 'Buying and paying',
        checks: [{ name: 'Orders database', description: 'Where orders are kept' }, { name: 'app-journal' }],
      });
      const summary = await app.inject('/status/summary.json');
      expect(summary.json().components).toContainEqual(
        expect.objectContaining({ name: 'Orders database', description: 'Where orders are kept' }),
      );
      expect(`${JSON.stringify(page)}${summary.body}`).not.toContain('pg-primary');
    } finally {
      await app.close();
      await store.close();
    }
  });
});
