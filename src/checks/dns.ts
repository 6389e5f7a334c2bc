import dns from 'node:dns';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { describe } from '../errors.js';
import type { CheckKind, KindOutcome } from './types.js';

const recordTypes = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS', 'SRV'] as const;
type RecordType = (typeof recordTypes)[number];

const schema = z.strictObject({
  /** the record to resolve, e.g. example.com */
  name: z.string().min(1),
  type: z.enum(recordTypes).default('A'),
  /** a resolver to ask instead of the system's: 1.2.3.4, 1.2.3.4:5353, ::1 or [::1]:5353 */
  server: z
    .string()
    .refine(
      (s) => isServer(s),
      'write a server as an IP address with an optional port: 1.2.3.4 or 1.2.3.4:5353',
    )
    .optional(),
  /** answers that must all be present; MX and SRV also match on their host name alone */
  expect: z.array(z.string().min(1)).min(1).optional(),
});

export type DnsSpec = z.output<typeof schema>;

export const dnsCheck: CheckKind<DnsSpec> = {
  schema,
  series: ['dns_answers', 'dns_lookup_seconds'],
  target: (spec) => `${spec.type} ${spec.name}${spec.server ? ` @${spec.server}` : ''}`,
  async run(spec, ctx) {
    const started = performance.now();
    const finish = (status: KindOutcome['status'], message: string, answers: number): KindOutcome => {
      const durationMs = performance.now() - started;
      return {
        status,
        message,
        durationMs,
        samples: [
          { name: 'dns_lookup_seconds', value: durationMs / 1000 },
          { name: 'dns_answers', value: answers },
        ],
      };
    };
    if (ctx.signal.aborted) return finish('critical', `timed out after ${ctx.timeoutMs}ms`, 0);

    // One try, and the whole run's budget for it: c-ares would otherwise retry
    // with its own timeouts, well past the one the check was given.
    const resolver = new dns.promises.Resolver({ timeout: Math.max(1, ctx.timeoutMs), tries: 1 });
    const onAbort = () => resolver.cancel();
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    let answers: Answer[];
    try {
      if (spec.server) resolver.setServers([spec.server]);
      answers = await resolve(resolver, spec.name, spec.type);
    } catch (e) {
      return finish('critical', failure(e, spec, ctx.signal.aborted, ctx.timeoutMs), 0);
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }

    const shown = answers.map((a) => a.text).join(', ');
    const missing = (spec.expect ?? []).filter((want) => !answers.some((a) => matches(a, want)));
    if (missing.length) {
      return finish(
        'critical',
        `${spec.type} ${spec.name}: expected ${missing.join(', ')} among the answers (got ${shown || 'none'})`,
        answers.length,
      );
    }
    const ms = Math.round(performance.now() - started);
    return finish('ok', `${spec.type} ${spec.name} → ${shown} in ${ms}ms`, answers.length);
  },
};

interface Answer {
  /** the answer as shown and compared: "10 mail.example.com" for MX */
  text: string;
  /** the host name in MX and SRV answers, which `expect` may name alone */
  host?: string;
}

async function resolve(resolver: dns.promises.Resolver, name: string, type: RecordType): Promise<Answer[]> {
  switch (type) {
    case 'A':
      return (await resolver.resolve4(name)).map((text) => ({ text }));
    case 'AAAA':
      return (await resolver.resolve6(name)).map((text) => ({ text }));
    case 'CNAME':
      return (await resolver.resolveCname(name)).map((text) => ({ text }));
    case 'NS':
      return (await resolver.resolveNs(name)).map((text) => ({ text }));
    case 'TXT':
      // A TXT record may arrive split into 255-byte strings; it means their concatenation.
      return (await resolver.resolveTxt(name)).map((chunks) => ({ text: chunks.join('') }));
    case 'MX':
      return (await resolver.resolveMx(name)).map((mx) => ({
        text: `${mx.priority} ${mx.exchange}`,
        host: mx.exchange,
      }));
    case 'SRV':
      return (await resolver.resolveSrv(name)).map((srv) => ({
        text: `${srv.priority} ${srv.weight} ${srv.port} ${srv.name}`,
        host: srv.name,
      }));
  }
}

function matches(answer: Answer, want: string): boolean {
  // Host names compare without case and without the root's trailing dot.
  const norm = (s: string) => s.toLowerCase().replace(/\.$/, '');
  return (
    answer.text === want ||
    norm(answer.text) === norm(want) ||
    (answer.host !== undefined && norm(answer.host) === norm(want))
  );
}

function failure(e: unknown, spec: DnsSpec, aborted: boolean, timeoutMs: number): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const where = spec.server ? ` (server ${spec.server})` : '';
  if (aborted || code === dns.CANCELLED) return `timed out after ${timeoutMs}ms${where}`;
  switch (code) {
    case dns.NOTFOUND:
      return `NXDOMAIN: ${spec.name} does not exist${where}`;
    case dns.NODATA:
      return `${spec.name} exists but has no ${spec.type} records${where}`;
    case dns.TIMEOUT:
      return `no answer for ${spec.type} ${spec.name} within ${timeoutMs}ms${where}`;
    case dns.SERVFAIL:
      return `SERVFAIL for ${spec.type} ${spec.name}${where}`;
    case dns.REFUSED:
      return `query for ${spec.name} refused${where}`;
    case dns.CONNREFUSED:
      return `could not reach the DNS server${where}`;
    default:
      return `lookup of ${spec.type} ${spec.name} failed: ${describe(e)}${where}`;
  }
}

function isServer(s: string): boolean {
  if (net.isIP(s)) return true;
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d{1,5})$/.exec(s);
  if (!m) return false;
  const port = Number(m[3]);
  return net.isIP(m[1] ?? m[2] ?? '') !== 0 && port >= 1 && port <= 65535;
}
