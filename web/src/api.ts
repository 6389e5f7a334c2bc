/** The dashboard's only way to the daemon: the public /api/v1, as the CLI uses it. */

export interface Me {
  user: string;
  role: 'viewer' | 'operator' | 'admin';
  csrf: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code?: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

let csrf: string | undefined;
let onUnauthorized: () => void = () => {};

export function setSession(me: Me | undefined): void {
  csrf = me?.csrf;
}

export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.method && init.method !== 'GET' && csrf) headers['x-csrf-token'] = csrf;
  const res = await fetch(`/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    credentials: 'same-origin',
  });
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('/auth/')) onUnauthorized();
    const e = (data as { error?: { code?: string; message?: string; hint?: string } } | undefined)?.error;
    throw new ApiError(res.status, e?.message ?? res.statusText, e?.code, e?.hint);
  }
  return data as T;
}

/**
 * Who is logged in: a session, nobody (401), or — on a daemon without
 * login (404) — an open API anyone may use.
 */
export async function whoAmI(): Promise<Me | null | 'open'> {
  try {
    return await api<Me>('/auth/me');
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return 'open';
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}
