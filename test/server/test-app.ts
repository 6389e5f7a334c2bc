import type { FastifyInstance, RouteOptions } from 'fastify';
import { Registry } from 'prom-client';
import { sessionManager } from '../../src/auth/sessions.js';
import type { LoadedConfig } from '../../src/config/loader.js';
import type { FakeClock } from '../../src/core/clock.js';
import { buildApp } from '../../src/server/app.js';
import type { AuthDeps } from '../../src/server/auth.js';
import type { AppDeps } from '../../src/server/deps.js';
import { Monitor } from '../../src/services/monitor.js';
import { RuleService } from '../../src/services/rules.js';
import type { Store } from '../../src/store/store.js';

type AuthSettings = ReturnType<AuthDeps['settings']>;

/**
 * The HTTP face over a real store and a fake clock, as the daemon wires it:
 * an idle monitor and rule service unless the test brings its own. With
 * `login`, the API needs a session or a token, as in `vigil up`; without it,
 * the API is open (for tests of what a route answers, not who may ask).
 */
export function testApp(
  o: {
    store: Store;
    clock: FakeClock;
    config: LoadedConfig | (() => LoadedConfig);
    login?: true | (() => Partial<AuthSettings>);
    onRoute?: (route: RouteOptions) => void;
  } & Partial<Omit<AppDeps, 'store' | 'clock' | 'config' | 'auth'>>,
): FastifyInstance {
  const { store, clock, config, login, onRoute, ...rest } = o;
  const settings = (): AuthSettings => ({
    metrics: 'public',
    loginAttemptsPerMinute: 5,
    sessionTtlMs: 3_600_000,
    ...(typeof login === 'function' ? login() : {}),
  });
  return buildApp(
    {
      ...(login
        ? { auth: { store, sessions: sessionManager(store, 3_600_000), now: () => clock.now(), settings } }
        : {}),
      store,
      clock,
      config: typeof config === 'function' ? config : () => config,
      monitor: new Monitor({ clock, heartbeats: store.heartbeats, record: () => {}, concurrency: 4 }),
      rules: new RuleService({
        clock,
        queryable: store.queryable,
        record: () => {},
        onTransitions: () => {},
      }),
      queryable: store.queryable,
      metrics: new Registry(),
      version: '0.0.0-test',
      ...rest,
    },
    onRoute ? { onRoute } : {},
  );
}
