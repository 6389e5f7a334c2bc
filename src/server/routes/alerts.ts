import type { FastifyPluginAsync } from 'fastify';
import { parseDuration } from '../../core/duration.js';
import { collapseFlaps } from '../../core/flaps.js';
import { VigilError } from '../../errors.js';
import { alertFingerprint } from '../../notify/fingerprint.js';
import type { AppDeps } from '../deps.js';

/** the states a transition moves to (a resolved alert moves to inactive) */
const historyStates = ['pending', 'firing', 'inactive'];

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** Alerts and rules in Prometheus's API shapes, plus Vigil's alert history with reasons. */
export const alertRoutes =
  (deps: AppDeps): FastifyPluginAsync =>
  async (app) => {
    // Whether a silence or inhibition keeps an alert quiet: beside Prometheus's fields, so people
    // looking at a firing alert can tell it is already being dealt with.
    const muted = (labels: Record<string, string>, startsAt: number) => {
      const m = deps.notifier?.mutedBy(
        { fingerprint: alertFingerprint(labels), ruleGroup: '', labels, annotations: {}, startsAt },
        deps.clock.now(),
      );
      return m ? { silencedBy: m.silence ?? null, inhibitedBy: m.inhibitedBy ?? null } : {};
    };
    app.get('/alerts', async () => ({
      status: 'success',
      data: {
        alerts: deps.rules.groups
          .flatMap((g) =>
            g.activeAlerts().map((a) => ({
              labels: a.labels,
              annotations: a.annotations,
              state: a.state,
              activeAt: iso(a.activeAt),
              firedAt: iso(a.firedAt),
              value: String(a.value),
              ...muted(a.labels, a.activeAt),
            })),
          )
          .concat(
            // Vigil's own alerts (a channel that dead-letters) are alerts like any other
            (deps.notifier?.ownAlerts() ?? []).map((a) => ({
              labels: a.labels,
              annotations: a.annotations,
              state: 'firing' as const,
              activeAt: iso(a.startsAt),
              firedAt: iso(a.startsAt),
              value: '1',
            })),
          )
          .concat(
            // alerts posted in by another Prometheus or Alertmanager, shown like Vigil's own
            (deps.externalAlerts?.firing() ?? []).map((a) => ({
              labels: a.labels,
              annotations: a.annotations,
              state: 'firing' as const,
              activeAt: iso(a.startsAt),
              firedAt: iso(a.startsAt),
              value: '1',
              ...muted(a.labels, a.startsAt),
            })),
          ),
      },
    }));

    app.get('/rules', async () => ({
      status: 'success',
      data: {
        groups: deps.rules.groups.map((g) => ({
          name: g.group.name,
          file: g.group.file,
          interval: g.group.intervalMs / 1000,
          rules: g.group.rules.map((r, i) => {
            const health = g.health[i]!;
            const common = {
              name: r.name,
              query: r.query.text,
              labels:
                r.type === 'alert'
                  ? Object.fromEntries(Object.entries(r.labels).map(([k, t]) => [k, t.source]))
                  : r.labels,
              health: health.health,
              lastError: health.lastError ?? '',
              lastEvaluation: iso(health.lastEvaluation) ?? '0001-01-01T00:00:00Z',
              evaluationTime: (health.evaluationMs ?? 0) / 1000,
            };
            if (r.type === 'record') return { ...common, type: 'recording' };
            const alerts = [...g.alerts[i]!.values()].filter((a) => a.state !== 'inactive');
            return {
              ...common,
              type: 'alerting',
              duration: r.forMs / 1000,
              keepFiringFor: r.keepFiringForMs / 1000,
              annotations: Object.fromEntries(Object.entries(r.annotations).map(([k, t]) => [k, t.source])),
              state: alerts.some((a) => a.state === 'firing')
                ? 'firing'
                : alerts.length
                  ? 'pending'
                  : 'inactive',
              alerts: alerts.map((a) => ({
                labels: a.labels,
                annotations: a.annotations,
                state: a.state,
                activeAt: iso(a.activeAt),
                value: String(a.value),
              })),
            };
          }),
        })),
      },
    }));

    app.get<{
      Querystring: {
        from?: string;
        to?: string;
        rule?: string;
        state?: string;
        limit?: string;
        collapse?: string;
      };
    }>('/alerts/history', async (req) => {
      const state = req.query.state || undefined;
      if (state && !historyStates.includes(state))
        throw new VigilError('USAGE', `state must be one of ${historyStates.join(', ')}, not "${state}"`, {
          hint: 'e.g. ?state=firing',
        });
      const collapse = req.query.collapse ? parseDuration(req.query.collapse) : undefined;
      if (collapse === undefined && req.query.collapse)
        throw new VigilError('USAGE', `collapse must be a duration, not "${req.query.collapse}"`, {
          hint: 'e.g. ?collapse=1h: one alert firing again and again within an hour is one row',
        });
      const now = deps.clock.now();
      const to = req.query.to ? Date.parse(req.query.to) : now;
      const from = req.query.from ? Date.parse(req.query.from) : to - 7 * 86_400_000;
      const list = await deps.store.alerts.history({
        from: Number.isNaN(from) ? to - 7 * 86_400_000 : from,
        to: Number.isNaN(to) ? now : to,
        rule: req.query.rule || undefined,
        ...(state ? { state } : {}),
        limit: Math.min(10_000, Number(req.query.limit ?? 1000) || 1000),
      });
      if (collapse === undefined)
        return { transitions: list.map((t) => ({ ...t, at: new Date(t.at).toISOString() })) };
      return {
        transitions: collapseFlaps(list, collapse).map((t) => ({
          ...t,
          at: new Date(t.at).toISOString(),
          since: new Date(t.since).toISOString(),
        })),
      };
    });
  };
