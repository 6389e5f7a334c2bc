import { describe, expect, it } from 'vitest';
import { defaultBody, defaultTitle, render, templateError } from '../../src/notify/template.js';
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

describe('template limits', () => {
  it('stops a render that would loop 30 million times, and falls back to the default', () => {
    const started = performance.now();
    const out = render(data, { body: '{% for x in (1..30000000) %}x{% endfor %}' });
    expect(performance.now() - started).toBeLessThan(1500);
    expect(out.errors[0]).toMatch(/limit exceeded/);
    expect(out.body).toContain('FIRING HighErrorRate');
  });

  it('stops a render that runs past its time, and output past its size', () => {
    const started = performance.now();
    const slow = render(data, {
      title:
        '{% for x in (1..1000) %}{% for y in (1..1000) %}{% for z in (1..1000) %}{% endfor %}{% endfor %}{% endfor %}',
    });
    expect(performance.now() - started).toBeLessThan(1500);
    expect(slow.errors[0]).toMatch(/render limit exceeded/);
    const big = render(data, {
      // Large output from few iterations: it renders in milliseconds, so a busy machine cannot
      // make it hit the time limit first.
      body: `{% for x in (1..3000) %}${'0123456789'.repeat(11)}{% endfor %}`,
    });
    expect(big.errors[0]).toMatch(/template output is \d+ characters, more than the limit of 262144/);
  });

  it('reports each limit at validate time', () => {
    expect(templateError('{% for x in (1..30000000) %}x{% endfor %}')).toMatch(
      /memory alloc limit exceeded.*sample notification/,
    );
    expect(templateError('x'.repeat(70_000))).toBe(
      'template is 70000 characters, more than the limit of 65536',
    );
    expect(
      templateError('{{ commonLabels.alertname }}: {% for a in alerts %}{{ a.labels.severity }}{% endfor %}'),
    ).toBeUndefined();
  });

  it('the default templates written out in code render exactly what LiquidJS renders from them', () => {
    const variants: Array<Partial<NotificationData>> = [
      {},
      { status: 'resolved' },
      { groupLabels: {}, commonLabels: {} },
      { groupLabels: { alertname: '' }, commonLabels: { alertname: 'FromCommon' } },
      { groupLabels: { alertname: 'X', zone: 'eu', env: 'prod' } },
      { truncatedAlerts: 3 },
      {
        alerts: [
          {
            status: 'firing',
            labels: { severity: 'page', b: '2', a: '1' },
            annotations: { summary: '', description: 'line one\nline two {{ not a template }}' },
            startsAt: 0,
            endsAt: 0,
            generatorURL: '',
            fingerprint: 'c',
          },
          {
            status: 'resolved',
            labels: { alertname: 'Only' },
            annotations: { description: 'd' },
            startsAt: Date.UTC(2026, 0, 1),
            endsAt: Date.UTC(2026, 0, 2),
            generatorURL: '',
            fingerprint: 'd',
          },
        ],
      },
      { alerts: [] },
    ];
    for (const v of variants) {
      const d = { ...data, ...v };
      const liquid = render(d, { title: defaultTitle, body: defaultBody });
      expect(liquid.errors).toEqual([]);
      const coded = render(d, {});
      expect({ title: coded.title, body: coded.body }, JSON.stringify(v)).toEqual({
        title: liquid.title,
        body: liquid.body,
      });
    }
  });
});
