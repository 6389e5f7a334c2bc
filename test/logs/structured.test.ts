import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { levelOf } from '../../src/logs/levels.js';
import { scanLogs } from '../../src/logs/scan.js';
import { detectFormat, messageOf } from '../../src/logs/structured.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vigil-logs-structured-'));
const now = Date.UTC(2026, 10, 27, 8, 0, 0);
const at = (min: number) => new Date(now - 60 * 60_000 + min * 60_000).toISOString();

function write(name: string, lines: string[]): string {
  const file = path.join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const scan = (file: string) => scanLogs([file], { since: now - 24 * 3_600_000, now });

describe('structured logs', () => {
  it('tells JSON lines, logfmt and plain text apart from the first line', () => {
    const b = (s: string) => Buffer.from(s);
    expect(detectFormat(b('{"level":30}\n'), 13)).toBe('json');
    expect(detectFormat(b('time=2026-11-27T03:00:00Z level=info msg="started"\n'), 50)).toBe('logfmt');
    expect(detectFormat(b('2026-11-27 ERROR a=b c=d\n'), 25)).toBe('plain');
    expect(messageOf('level=error msg="db \\"orders\\" down" id=7', 'logfmt')).toBe('db "orders" down');
    expect(messageOf('{"message":"disk full","host":"a"}', 'json')).toBe('disk full');
  });

  it('counts pino JSON errors by their message: three messages, three fingerprints, ids and times aside', async () => {
    const file = write('pino.log', [
      `{"level":30,"time":"${at(1)}","pid":1,"msg":"listening"}`,
      `{"level":50,"time":"${at(2)}","pid":1,"reqId":"a1","msg":"payment provider timed out after 5013ms"}`,
      `{"level":50,"time":"${at(3)}","pid":1,"reqId":"b2","msg":"payment provider timed out after 4988ms"}`,
      `{"level":50,"time":"${at(4)}","pid":1,"reqId":"c3","msg":"order 8812 not found"}`,
      `{"level":60,"time":"${at(5)}","pid":1,"msg":"database connection lost"}`,
      `{"level":40,"time":"${at(6)}","pid":1,"msg":"slow query"}`,
    ]);
    const r = await scan(file);
    expect(r.counts).toEqual({ error: 3, fatal: 1 });
    expect(r.fingerprints.map((f) => [f.template, f.count])).toEqual([
      ['payment provider timed out after <n>ms', 2],
      ['order <n> not found', 1],
      ['database connection lost', 1],
    ]);
    // the other fields stay with the message, as its sample
    expect(r.fingerprints[0]!.sample).toContain('"reqId":"a1"');
  });

  it('reads ECS, winston and zap levels and messages', async () => {
    const file = write('ecs.log', [
      `{"@timestamp":"${at(1)}","log.level":"error","message":"cache miss storm on key user:1","service.name":"api"}`,
      `{"@timestamp":"${at(2)}","log.level":"info","message":"ok"}`,
      `{"@timestamp":"${at(3)}","log.level":"ERROR","message":"cache miss storm on key user:2"}`,
    ]);
    const r = await scan(file);
    expect(r.counts).toEqual({ error: 2 });
    expect(r.fingerprints.map((f) => f.template)).toEqual(['cache miss storm on key user:<n>']);
    expect(levelOf('{"log.level":"error","message":"x"}')).toBe('error');
  });

  it('counts logfmt errors by msg', async () => {
    const file = write('slog.log', [
      `time=${at(1)} level=INFO msg="server started" port=8080`,
      `time=${at(2)} level=ERROR msg="upstream refused connection" upstream=10.0.0.3:80`,
      `time=${at(3)} level=ERROR msg="upstream refused connection" upstream=10.0.0.4:80`,
      `time=${at(4)} level=error msg="config reload failed" err="bad yaml"`,
    ]);
    const r = await scan(file);
    expect(r.counts).toEqual({ error: 3 });
    expect(r.fingerprints.map((f) => [f.template, f.count])).toEqual([
      ['upstream refused connection', 2],
      ['config reload failed', 1],
    ]);
    expect(levelOf('time=x level=ERROR msg=y')).toBe('error');
  });
});
