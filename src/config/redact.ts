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
      return v.replace(/\/\/([^:/@\s]+):([^@\s]*)@/g, '//$1:***@');
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}.${i}`, key));
    if (v && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, `${path}.${k}`, k)]));
    }
    return v;
  };
  return walk(value, prefix, '');
}
