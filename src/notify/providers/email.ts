import { z } from 'zod';
import { type Delivery, DeliveryError, type Provider } from '../types.js';

const spec = z.strictObject({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(587),
  /** `tls`: TLS from the first byte (port 465); `starttls`: upgrade and require it; `none`: plain (local relays only) */
  security: z.enum(['starttls', 'tls', 'none']).default('starttls'),
  username: z.string().optional(),
  /** a secret: put it in the environment */
  password: z.string().optional(),
  from: z.string().min(3),
  to: z.union([z.string().min(3), z.array(z.string().min(3)).min(1)]),
  /** accept a certificate that does not verify (a test relay); never for real mail */
  insecure_skip_verify: z.boolean().default(false),
});
type Spec = z.output<typeof spec>;

/** SMTP through nodemailer: plain text and HTML, one message per notification. */
export const emailProvider: Provider<Spec> = {
  schema: spec,
  target: (s) => `${s.host}:${s.port} → ${[s.to].flat().join(', ')}`,
  send: (s, d) => mail(s, d),
  // an announcement carries its own HTML (a report with inline charts) and plain text
  announce: (s, d) => mail(s, d),
};

async function mail(s: Spec, d: Delivery): Promise<void> {
  const a = d.payload.announcement;
  // Loaded by the first email, not with the config schema that lists every provider.
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport({
    host: s.host,
    port: s.port,
    secure: s.security === 'tls',
    requireTLS: s.security === 'starttls',
    ignoreTLS: s.security === 'none',
    auth: s.username ? { user: s.username, pass: s.password ?? '' } : undefined,
    connectionTimeout: d.timeoutMs,
    greetingTimeout: d.timeoutMs,
    socketTimeout: d.timeoutMs,
    tls: { rejectUnauthorized: !s.insecure_skip_verify },
  });
  const abort = () => transport.close();
  d.signal.addEventListener('abort', abort, { once: true });
  try {
    await transport.sendMail({
      from: s.from,
      to: a?.to?.length ? a.to : [s.to].flat(),
      subject: d.payload.title,
      text: a ? a.text + (a.link ? `\n\n${a.link}` : '') : d.payload.body,
      html: a?.html ?? html(d.payload.title, a ? a.text : d.payload.body),
      // The same Message-ID on every attempt lets mail systems drop a re-delivered copy.
      messageId: `<${d.idempotencyKey}@vigil>`,
      headers: a ? { ...a.headers, 'X-Vigil-Kind': a.kind } : { 'X-Vigil-Status': d.payload.data.status },
    });
  } catch (e) {
    const err = e as Error & { responseCode?: number; code?: string };
    // 5xx is a permanent SMTP failure (bad recipient, auth refused); 4xx and network errors are transient.
    const permanent = (err.responseCode ?? 0) >= 500;
    const why = err.responseCode ? `SMTP ${err.responseCode}` : (err.code ?? 'connection failed');
    throw new DeliveryError(`${s.host}:${s.port}: ${why}`, !permanent, err.responseCode);
  } finally {
    d.signal.removeEventListener('abort', abort);
    transport.close();
  }
}

function html(title: string, body: string): string {
  const esc = (t: string) =>
    t.replace(
      /[&<>"']/g,
      (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
    );
  return `<!doctype html><html><body style="font-family:sans-serif"><h2>${esc(title)}</h2><pre style="font-family:inherit;white-space:pre-wrap">${esc(body)}</pre></body></html>`;
}
