import type { LoadedConfig } from './loader.js';

const secretKey = /pass(word)?|secret|token|api[_-]?key|routing[_-]?key|authorization|cookie|credential/i;

/**
 * A copy of a value safe to show: values that came from the environment, keys
 * that name secrets and passwords in URLs become "***". `prefix` is the dotted
 * path of `value` inside the config file.
 */
export function redact(value: unknown, loaded: Pick<LoadedConfig, 'secretPaths'>, prefix: string): unknown {
  const secrets = new Set(loaded.secretPaths);
  const walk = (v: unknown, path: string, key: string): unknown => {
    if (secrets.has(path)) return '***';
    if (typeof v === 'string') {
      if (secretKey.test(key)) return '***';
      return redactUrl(v);
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}.${i}`, key));
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, `${path}.${k}`, k)]));
    }
    return v;
  };
  return walk(value, prefix, '');
}

/** Passwords in URLs (`scheme://user:password@host`) replaced, wherever they stand in a text. */
export function redactUrl(text: string): string {
  // Most texts hold no credentials at all; finding that out with two searches for a fixed string is
  // far cheaper than running the pattern over them (every API answer passes here: 4 MB at 20,000 checks).
  if (!text.includes('@') || !text.includes('//')) return text;
  return text.replace(/\/\/([^:/@\s]+):([^@\s]*)@/g, '//$1:***@');
}

/**
 * Shorter values are not stripped: a 3-character "secret" would cut ordinary
 * words and numbers out of every message, and protects nothing.
 */
const minSecretLength = 4;

/**
 * Strips every secret value Vigil knows (the values `${VAR}` took from the
 * environment) from text before it is logged, stored or returned, in the
 * forms a receiver or driver may echo them: as is, URL-encoded, JSON-escaped,
 * and for a secret URL its password, path, query values and Basic
 * credentials. Passwords in URLs are redacted too.
 *
 * @example
 *   const s = new Scrubber(['T0/B0/abc123']);
 *   s.scrub('404 for /services/T0/B0/abc123') // '404 for /services/***'
 */
export class Scrubber {
  readonly #forms = new Set<string>();
  #pattern: RegExp | undefined;

  constructor(values: Iterable<string> = []) {
    this.add(values);
  }

  /** Learn more secrets (e.g. after a reload); the ones already known are kept. */
  add(values: Iterable<string>): this {
    let grew = false;
    for (const v of values) {
      for (const form of formsOf(v)) {
        if (form.length < minSecretLength || this.#forms.has(form)) continue;
        this.#forms.add(form);
        grew = true;
      }
    }
    if (grew) {
      // Longest first, so a secret containing another is replaced whole.
      const alternatives = [...this.#forms].sort((a, b) => b.length - a.length).map(escapeRegExp);
      this.#pattern = new RegExp(alternatives.join('|'), 'g');
    }
    return this;
  }

  scrub(text: string): string {
    const out = this.#pattern ? text.replace(this.#pattern, '***') : text;
    return redactUrl(out);
  }
}

const scrubbers = new WeakMap<object, Scrubber>();

/** The scrubber of one loaded config, built once per load. */
export function scrubberOf(loaded: Pick<LoadedConfig, 'secretValues'>): Scrubber {
  let s = scrubbers.get(loaded);
  if (!s) {
    s = new Scrubber(loaded.secretValues);
    scrubbers.set(loaded, s);
  }
  return s;
}

function formsOf(value: string): string[] {
  const forms = [value, encodeURIComponent(value), encodeURI(value), JSON.stringify(value).slice(1, -1)];
  forms.push(encodeURIComponent(value).replace(/%20/g, '+'));
  let url: URL | undefined;
  try {
    url = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (url) {
    // A receiver echoes the path it was asked for (a Slack webhook's secret is its path). Only
    // for web URLs: a database URL's path is a database name, which messages must still show.
    if (/^https?:$/.test(url.protocol)) {
      if (url.pathname.length >= 8) forms.push(url.pathname);
      if (url.search.length > 1) forms.push(url.search.slice(1));
      for (const v of url.searchParams.values()) forms.push(v, encodeURIComponent(v));
    }
    if (url.password) {
      const password = safeDecode(url.password);
      forms.push(url.password, password);
      forms.push(Buffer.from(`${safeDecode(url.username)}:${password}`).toString('base64'));
    }
  }
  return forms;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
