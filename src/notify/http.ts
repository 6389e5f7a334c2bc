import { DeliveryError } from './types.js';

/**
 * POST JSON to a receiver and classify the answer the way every HTTP provider
 * needs: 2xx accepted; 408, 429 and 5xx worth retrying; other 4xx never
 * accepted, so dead-lettered. Error messages name the host at most, because
 * webhook URLs carry tokens in their path.
 */
export async function postJson(
  url: string,
  body: unknown,
  opts: { signal: AbortSignal; timeoutMs: number; headers?: Record<string, string> },
): Promise<{ status: number; text: string }> {
  let res: Response;
  const host = hostOf(url);
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Vigil', ...opts.headers },
      body: JSON.stringify(body),
      signal: AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]),
    });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    const why =
      err.name === 'TimeoutError'
        ? `no answer within ${opts.timeoutMs} ms`
        : (err.cause?.code ?? err.name ?? 'connection failed');
    throw new DeliveryError(`${host}: ${why}`, true);
  }
  const text = await res.text().catch(() => '');
  if (res.ok) return { status: res.status, text };
  const retry = res.status === 408 || res.status === 429 || res.status >= 500;
  throw new DeliveryError(`${host} answered HTTP ${res.status}${brief(text)}`, retry, res.status);
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
