import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DnsSpec, dnsCheck } from '../../src/checks/dns.js';
import { makeCtx } from './ctx.js';

/** Names this responder knows; any other name is NXDOMAIN, and `silent.test` never gets an answer. */
const zone: Record<string, { A?: string[]; TXT?: string[] }> = {
  'www.test': { A: ['192.0.2.10', '192.0.2.11'] },
  'text.test': { TXT: ['v=spf1 -all'] },
};
const typeCodes = { A: 1, TXT: 16 } as const;

let server: dgram.Socket;
let serverAddress: string;
let silentQuery: Promise<void>;

/** A minimal authoritative responder: one question in, A or TXT answers out. */
function startResponder(): Promise<string> {
  let heardSilent!: () => void;
  silentQuery = new Promise((resolve) => {
    heardSilent = resolve;
  });
  server = dgram.createSocket('udp4');
  server.on('message', (query, peer) => {
    let at = 12;
    const labels: string[] = [];
    while (query[at]! > 0) {
      labels.push(query.toString('ascii', at + 1, at + 1 + query[at]!));
      at += query[at]! + 1;
    }
    const questionEnd = at + 5;
    const qtype = query.readUInt16BE(at + 1);
    const name = labels.join('.').toLowerCase();
    if (name === 'silent.test') return heardSilent();
    const records = zone[name];
    const type = (Object.keys(typeCodes) as (keyof typeof typeCodes)[]).find((t) => typeCodes[t] === qtype);
    const data = (type && records?.[type]) ?? [];
    const answers = data.map((value) => {
      const rdata =
        type === 'A'
          ? Buffer.from(value.split('.').map(Number))
          : Buffer.concat([Buffer.from([value.length]), Buffer.from(value)]);
      const head = Buffer.alloc(12);
      head.writeUInt16BE(0xc00c, 0); // a pointer to the name in the question
      head.writeUInt16BE(qtype, 2);
      head.writeUInt16BE(1, 4);
      head.writeUInt32BE(60, 6);
      head.writeUInt16BE(rdata.length, 10);
      return Buffer.concat([head, rdata]);
    });
    const header = Buffer.alloc(12);
    header.writeUInt16BE(query.readUInt16BE(0), 0);
    header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | (records ? 0 : 3), 2);
    header.writeUInt16BE(1, 4);
    header.writeUInt16BE(answers.length, 6);
    server.send(
      Buffer.concat([header, query.subarray(12, questionEnd), ...answers]),
      peer.port,
      peer.address,
    );
  });
  return new Promise((resolve) =>
    server.bind(0, '127.0.0.1', () => resolve(`127.0.0.1:${server.address().port}`)),
  );
}

function spec(over: Partial<DnsSpec> & { name: string }): DnsSpec {
  return dnsCheck.schema.parse({ server: serverAddress, ...over });
}

beforeAll(async () => {
  serverAddress = await startResponder();
});

afterAll(() => {
  server.close();
});

describe('dns check', () => {
  it('resolves A records and counts the answers', async () => {
    const out = await dnsCheck.run(spec({ name: 'www.test' }), makeCtx());
    expect(out.status).toBe('ok');
    expect(out.message).toMatch(/^A www\.test → 192\.0\.2\.10, 192\.0\.2\.11 in \d+ms$/);
    expect(out.samples?.find((s) => s.name === 'dns_answers')?.value).toBe(2);
    expect(out.samples?.find((s) => s.name === 'dns_lookup_seconds')?.value).toBeGreaterThanOrEqual(0);
  });

  it('passes when every expected answer is present, fails naming the one missing', async () => {
    const ok = await dnsCheck.run(spec({ name: 'WWW.test', expect: ['192.0.2.11'] }), makeCtx());
    expect(ok.status).toBe('ok');
    const missing = await dnsCheck.run(
      spec({ name: 'www.test', expect: ['192.0.2.10', '192.0.2.99'] }),
      makeCtx(),
    );
    expect(missing.status).toBe('critical');
    expect(missing.message).toContain('expected 192.0.2.99 among the answers');
  });

  it('reads TXT records', async () => {
    const out = await dnsCheck.run(
      spec({ name: 'text.test', type: 'TXT', expect: ['v=spf1 -all'] }),
      makeCtx(),
    );
    expect(out.status).toBe('ok');
    expect(out.samples?.find((s) => s.name === 'dns_answers')?.value).toBe(1);
  });

  it('reports NXDOMAIN clearly', async () => {
    const out = await dnsCheck.run(spec({ name: 'nothing.test' }), makeCtx());
    expect(out.status).toBe('critical');
    expect(out.message).toBe(`NXDOMAIN: nothing.test does not exist (server ${serverAddress})`);
    expect(out.samples?.find((s) => s.name === 'dns_answers')?.value).toBe(0);
  });

  it('tells a name without records of the type from one that does not exist', async () => {
    const out = await dnsCheck.run(spec({ name: 'text.test', type: 'A' }), makeCtx());
    expect(out.status).toBe('critical');
    expect(out.message).toContain('text.test exists but has no A records');
  });

  it('cancels the query when its signal is aborted', async () => {
    const ctx = makeCtx({ timeoutMs: 4321 });
    const running = dnsCheck.run(spec({ name: 'silent.test' }), ctx);
    await silentQuery;
    ctx.controller.abort(new Error('timeout'));
    const out = await running;
    expect(out.status).toBe('critical');
    expect(out.message).toMatch(/^timed out after 4321ms/);
  });

  it('rejects invalid specs', () => {
    expect(dnsCheck.schema.safeParse({ name: 'example.com', type: 'PTR' }).success).toBe(false);
    expect(dnsCheck.schema.safeParse({ name: 'example.com', server: 'dns.google' }).success).toBe(false);
    expect(dnsCheck.schema.safeParse({ name: 'example.com', server: '1.2.3.4:99999' }).success).toBe(false);
    expect(dnsCheck.schema.safeParse({ name: 'example.com', expect: '1.2.3.4' }).success).toBe(false);
    expect(dnsCheck.schema.safeParse({ name: 'example.com', resolver: '1.1.1.1' }).success).toBe(false);
    expect(dnsCheck.schema.safeParse({ name: 'example.com', server: '[::1]:5353' }).success).toBe(true);
    expect(dnsCheck.schema.parse({ name: 'example.com' })).toEqual({ name: 'example.com', type: 'A' });
  });
});
