import { describe, expect, it } from 'vitest';
import {
  atLocation,
  type LocationReading,
  quorumCount,
  quorumVerdict,
  verdictSamples,
} from '../../src/checks/quorum.js';
import type { CheckStatus } from '../../src/checks/types.js';
import { parseConfig } from '../../src/config/loader.js';
import { FakeClock } from '../../src/core/clock.js';

const stale = 90_000;

describe('quorum', () => {
  it('counts majority, all, any and N', () => {
    expect([1, 2, 3, 4, 5].map((n) => quorumCount('majority', n))).toEqual([1, 2, 2, 3, 3]);
    expect(quorumCount('all', 4)).toBe(4);
    expect(quorumCount('any', 4)).toBe(1);
    expect(quorumCount(3, 4)).toBe(3);
  });

  describe('verdict', () => {
    const clock = new FakeClock(Date.UTC(2026, 11, 5, 12));
    const at = (status: CheckStatus, ago = 0, location = 'x'): LocationReading => ({
      location,
      last: { at: clock.now() - ago, status, durationMs: 100, message: status === 'ok' ? 'ok' : 'refused' },
    });
    const of = (...r: [string, CheckStatus | undefined, number?][]) =>
      r.map(([location, status, ago]) => (status ? at(status, ago, location) : { location }));

    it('is up when every location is up', () => {
      const v = quorumVerdict(of(['eu', 'ok'], ['us', 'ok'], ['ap', 'warning']), 2, clock.now(), stale);
      expect(v).toMatchObject({ status: 'ok', state: 'up', failing: [], missing: [] });
      expect(v.message).toBe('up in 3 of 3 locations');
    });

    it('is degraded, naming the failing locations, below the quorum; down at it', () => {
      const one = quorumVerdict(of(['eu', 'critical'], ['us', 'ok'], ['ap', 'ok']), 2, clock.now(), stale);
      expect(one).toMatchObject({ status: 'warning', state: 'degraded', failing: ['eu'] });
      expect(one.message).toBe('degraded: failing in eu (1 of 3, quorum 2)');
      const two = quorumVerdict(
        of(['eu', 'critical'], ['us', 'critical'], ['ap', 'ok']),
        2,
        clock.now(),
        stale,
      );
      expect(two).toMatchObject({ status: 'critical', state: 'down', failing: ['eu', 'us'] });
      expect(two.message).toBe('down in eu, us (2 of 3, quorum 2): refused');
    });

    it('any: one failing location is down; all: every location must fail', () => {
      const readings = of(['eu', 'critical'], ['us', 'ok'], ['ap', 'ok']);
      expect(quorumVerdict(readings, quorumCount('any', 3), clock.now(), stale).state).toBe('down');
      expect(quorumVerdict(readings, quorumCount('all', 3), clock.now(), stale).state).toBe('degraded');
    });

    it('counts a silent location as unknown, never as failing', async () => {
      const readings = of(['eu', 'critical'], ['us', 'ok'], ['ap', 'ok', 0]);
      expect(quorumVerdict(readings, 2, clock.now(), stale).state).toBe('degraded');
      // ap's last result ages; us never reported again after it failed once: still not a quorum
      const later = of(['eu', 'critical'], ['us', undefined], ['ap', 'ok', stale + 1]);
      const v = quorumVerdict(later, 2, clock.now(), stale);
      expect(v).toMatchObject({ state: 'degraded', failing: ['eu'], missing: ['us', 'ap'] });
      expect(v.message).toBe('degraded: failing in eu (1 of 3, quorum 2); no report from us, ap');
      // a result ages out as the clock moves
      const fresh = of(['eu', 'ok'], ['us', 'ok']);
      expect(quorumVerdict(fresh, 2, clock.now(), stale).missing).toEqual([]);
      await clock.advance(stale + 1);
      expect(quorumVerdict(fresh, 2, clock.now(), stale)).toMatchObject({
        status: 'unknown',
        state: 'unknown',
        message: 'no location reports; no report from eu, us',
      });
    });

    it('a probe that could not run (unknown) has not seen the service fail', () => {
      const v = quorumVerdict(of(['eu', 'unknown'], ['us', 'critical']), 1, clock.now(), stale);
      expect(v).toMatchObject({ state: 'down', failing: ['us'], missing: ['eu'] });
    });

    it('writes up=0 only when down, and no up at all when nothing reports', () => {
      const labels = { check: 'api' };
      const series = (failing: CheckStatus[]) =>
        verdictSamples(
          quorumVerdict(
            failing.map((s, i) => at(s, 0, `l${i}`)),
            2,
            clock.now(),
            stale,
          ),
          labels,
        ).map((s) => `${s.name}=${s.value}`);
      expect(series(['ok', 'critical', 'ok'])).toEqual([
        'up=1',
        'check_locations_failing=1',
        'check_locations_unknown=0',
        'check_quorum=2',
      ]);
      expect(series(['critical', 'critical', 'ok'])[0]).toBe('up=0');
      expect(series(['unknown', 'unknown']).some((s) => s.startsWith('up='))).toBe(false);
    });
  });

  it("labels a location's series with it and renames up, so the verdict alone is up{check}", () => {
    const r = atLocation(
      {
        check: 'api',
        kind: 'http',
        status: 'critical',
        message: 'refused',
        startedAt: 1,
        durationMs: 2,
        samples: [
          { name: 'up', labels: { check: 'api' }, value: 0 },
          { name: 'check_duration_seconds', labels: { check: 'api' }, value: 0.002 },
        ],
      },
      'eu-west',
    );
    expect(r.location).toBe('eu-west');
    expect(r.samples).toEqual([
      { name: 'location_up', labels: { check: 'api', location: 'eu-west' }, value: 0 },
      { name: 'check_duration_seconds', labels: { check: 'api', location: 'eu-west' }, value: 0.002 },
    ]);
  });

  describe('config', () => {
    const check = (extra: string, kind = 'http: { url: "http://a.example/" }') =>
      parseConfig(`checks:\n  - name: api\n    ${kind}\n    ${extra}\n`, 'vigil.yaml', {});
    it('resolves the quorum, majority by default', () => {
      expect(check('locations: [local, eu, us]').config.checks[0]).toMatchObject({
        locations: ['local', 'eu', 'us'],
        quorum: 2,
        quorumSpec: 'majority',
      });
      expect(check('locations: [local, eu, us]\n    quorum: all').config.checks[0]!.quorum).toBe(3);
      expect(check('locations: [eu, us]\n    quorum: 1').config.checks[0]!.quorum).toBe(1);
    });
    it('refuses a quorum over the locations, a quorum alone, a repeated location, a local-only kind elsewhere', () => {
      expect(() => check('locations: [eu, us]\n    quorum: 3')).toThrow(
        /quorum 3 is more than the 2 locations/,
      );
      expect(() => check('quorum: 2')).toThrow(/quorum is set but locations is not/);
      expect(() => check('locations: [eu, eu]')).toThrow(/"eu" is listed twice/);
      expect(() => check('locations: [local, eu]', 'host: {}')).toThrow(
        /a host check runs on this server only/,
      );
      expect(check('locations: [local]', 'host: {}').config.checks[0]!.quorum).toBe(1);
    });
  });
});
