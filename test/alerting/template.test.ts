import { describe, expect, it } from 'vitest';
import { compileTemplate, TemplateError } from '../../src/alerting/template.js';

const data = { labels: { instance: 'web-1:9100', job: 'node' }, value: 0.8734 };
const expand = (t: string, d = data) => compileTemplate(t).expand(d);

describe('alert templates (Go template subset)', () => {
  it('expands $labels and $value like Prometheus', () => {
    expect(expand('Instance {{ $labels.instance }} down')).toBe('Instance web-1:9100 down');
    expect(expand('{{$labels.job}}/{{ .Labels.instance }} = {{ $value }}')).toBe('node/web-1:9100 = 0.8734');
    expect(expand('{{ $labels.missing }}')).toBe('');
    expect(expand('no templates here')).toBe('no templates here');
  });

  it('supports the humanize family, printf and pipelines', () => {
    expect(expand('{{ $value | humanizePercentage }}')).toBe('87.34%');
    expect(expand('{{ humanize 1234567 }}')).toBe('1.235M');
    expect(expand('{{ humanize1024 1048576 }}')).toBe('1Mi');
    expect(expand('{{ humanizeDuration 3725 }}')).toBe('1h 2m 5s');
    expect(expand('{{ printf "%.1f" $value }}')).toBe('0.9');
    expect(expand('{{ $labels.job | toUpper }}')).toBe('NODE');
  });

  it("prints humanizeTimestamp as Go's Time.String(): no trailing zeros in the fraction", () => {
    expect(expand('{{ humanizeTimestamp 1796472000 }}')).toBe('2026-12-05 12:00:00 +0000 UTC');
    expect(expand('{{ humanizeTimestamp 1796472010.5 }}')).toBe('2026-12-05 12:00:10.5 +0000 UTC');
    expect(expand('{{ humanizeTimestamp 1796472000.12 }}')).toBe('2026-12-05 12:00:00.12 +0000 UTC');
  });

  it('supports if/else and whitespace trimming', () => {
    expect(expand('{{ if gt $value 0.5 }}high{{ else }}low{{ end }}')).toBe('high');
    expect(expand('{{ if lt $value 0.5 }}high{{ else }}low{{ end }}')).toBe('low');
    expect(expand('a  {{- " b " -}}  c')).toBe('a b c');
  });

  it('refuses templates that do not parse, naming the problem', () => {
    expect(() => compileTemplate('{{ $labels.instance ')).toThrow(TemplateError);
    expect(() => compileTemplate('{{ nosuchfunc $value }}')).toThrow(/function "nosuchfunc" not defined/);
    expect(() => compileTemplate('{{ $undefined }}')).toThrow(/undefined variable/);
    expect(() => compileTemplate('{{ if $value }}x')).toThrow(/end/);
    expect(() => compileTemplate('{{ range $labels }}{{ end }}')).toThrow(/not supported/);
  });
});

describe('reReplaceAll is RE2', () => {
  it('replaces with groups, and a nested quantifier cannot backtrack for long', () => {
    expect(expand('{{ reReplaceAll "(\\\\w+):(\\\\d+)" "$1" .Labels.instance }}')).toBe('web-1');
    const started = performance.now();
    expect(expand(`{{ reReplaceAll "^(a+)+$" "x" "${'a'.repeat(40)}!" }}`)).toBe(`${'a'.repeat(40)}!`);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('printf widths are bounded', () => {
  it('pads to at most 1,024 characters and never throws on a huge precision', () => {
    expect(expand('{{ printf "%999999999d" 1 }}')).toHaveLength(1024);
    expect(expand('{{ printf "%.500f" 1 }}')).toBe((1).toFixed(100));
  });
});
