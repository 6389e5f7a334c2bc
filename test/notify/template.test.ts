import { describe, expect, it } from 'vitest';
import { render, templateError } from '../../src/notify/template.js';
import type { NotificationData } from '../../src/notify/types.js';

const data: NotificationData = {
  receiver: 'team',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'HighErrorRate', service: 'api', severity: 'critical' },
      annotations: { summary: 'Error rate is 7%' },
      startsAt: Date.UTC(2026, 10, 27, 3, 0),
      endsAt: 0,
      generatorURL: '',
      fingerprint: 'a',
    },
    {
      status: 'resolved',
      labels: { alertname: 'HighErrorRate', service: 'web', severity: 'critical' },
      annotations: {},
      startsAt: Date.UTC(2026, 10, 27, 2, 0),
      endsAt: Date.UTC(2026, 10, 27, 3, 5),
      generatorURL: '',
      fingerprint: 'b',
    },
  ],
  groupLabels: { alertname: 'HighErrorRate' },
  commonLabels: { alertname: 'HighErrorRate', severity: 'critical' },
  commonAnnotations: {},
  externalURL: 'http://vigil:8080',
  groupKey: '{}:{alertname="HighErrorRate"}',
  truncatedAlerts: 0,
};

describe('notification templates', () => {
  it('default title and body read well', () => {
    const r = render(data, {});
    expect(r.errors).toEqual([]);
    expect(r.title).toBe('[FIRING:1] HighErrorRate');
    expect(r.body).toContain(
      'FIRING HighErrorRate {service=api, severity=critical}\n  Error rate is 7%\n  since 2026-11-27T03:00:00.000Z',
    );
    expect(r.body).toContain(
      'RESOLVED HighErrorRate {service=web, severity=critical}\n  since 2026-11-27T02:00:00.000Z, resolved 2026-11-27T03:05:00.000Z',
    );
  });

  it('per-channel overrides see labels and annotations', () => {
    const r = render(data, {
      title: '{{ commonLabels.severity | upcase }}: {{ alerts[0].annotations.summary }}',
    });
    expect(r.title).toBe('CRITICAL: Error rate is 7%');
  });

  it('a template that fails to render falls back to the default and reports why', () => {
    const r = render(data, { title: '{{ status | no_such_filter }}', body: '{{ alerts | sort_by_magic }}' });
    expect(r.title).toBe('[FIRING:1] HighErrorRate');
    expect(r.body).toContain('FIRING HighErrorRate');
    expect(r.errors).toHaveLength(2);
    expect(r.errors[0]).toMatch(/no_such_filter/);
  });

  it('reports syntax errors for validation', () => {
    expect(templateError('{% for a in alerts %}')).toMatch(/for/);
    expect(templateError('{{ status }}')).toBeUndefined();
  });
});
