import http from 'node:http';
import https from 'node:https';
import { DeliveryError } from './types.js';

/**
 * Connections to receivers are kept alive and reused: a burst of notifications to one webhook
 * then costs one TCP (and TLS) handshake, not one per notification. node:http rather than fetch:
 * per request, fetch's AbortSignal plumbing cost about as much CPU as the rest of a delivery.
 */
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 64 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

/**
 * POST JSON to a receiver and classify the answer the way every HTTP provider
 * needs: 2xx accepted; 408, 429 and 5xx worth retrying; other 4xx never
 * accepted, so dead-lettered. Error messages name the host at most, because
 * webhook URLs carry tokens in their path.
 */
export function postJson(
  url: string,
  body: unknown,
  opts: { signal: AbortSignal; timeoutMs: number; headers?: Record<string, string> },
): Promise<{ status: number; text: string }> {
  const host = hostOf(url);
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      reject(new DeliveryError(`${host}: not a URL`, false));
      return;
    }
    const secure = u.protocol === 'https:';
    let timedOut = false;
    const req = (secure ? https : http).request(
      u,
      {
        method: 'POST',
        agent: agents[secure ? 'https:' : 'http:'],
        signal: opts.signal,
        headers: {
          'content-type': 'application/json',
          'content-length': String(payload.length),
          'user-agent': 'Vigil',
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          // Only the start of an answer is kept: it goes into error messages.
          if (size < 4096) chunks.push(c);
          size += c.length;
        });
        res.on('error', () => {});
        res.on('end', () => {
          clearTimeout(timer);
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          if (status >= 200 && status < 300) resolve({ status, text });
          else {
            const retry = status === 408 || status === 429 || status >= 500;
            reject(new DeliveryError(`${host} answered HTTP ${status}${brief(text)}`, retry, status));
          }
        });
      },
    );
    // The deadline of one HTTP attempt, not scheduled work.
    const timer = setTimeout(() => {
      timedOut = true;
      req.destroy();
    }, opts.timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = timedOut
        ? `no answer within ${opts.timeoutMs} ms`
        : (e.code ?? e.name ?? 'connection failed');
      reject(new DeliveryError(`${host}: ${why}`, true));
    });
    req.end(payload);
  });
}

export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the receiver';
  }
}

function brief(text: string): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return t ? `: ${t.length > 200 ? `${t.slice(0, 200)}…` : t}` : '';
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** At most `max` characters, an ellipsis marking a cut. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
