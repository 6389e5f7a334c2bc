import { readFileSync } from 'node:fs';
import type { Server } from 'node:https';
import path from 'node:path';
import type { SecureContextOptions } from 'node:tls';
import type { LoadedConfig } from '../config/loader.js';
import { describe, VigilError } from '../errors.js';

/** Browsers and clients that cannot speak TLS 1.2 are a decade old; older versions have known breaks. */
const minVersion = 'TLSv1.2';

/**
 * The certificate and key of `server.tls`, read now (paths relative to the
 * config file), or undefined when Vigil serves plain HTTP.
 */
export function tlsOptions(loaded: Pick<LoadedConfig, 'config' | 'file'>): SecureContextOptions | undefined {
  const tls = loaded.config.server.tls;
  if (!tls) return undefined;
  const read = (what: 'cert' | 'key') => {
    const file = path.resolve(path.dirname(loaded.file), tls[what]);
    try {
      return readFileSync(file);
    } catch (e) {
      throw new VigilError('CONFIG_INVALID', `server.tls.${what}: cannot read ${file}: ${describe(e)}`, {
        hint: 'give PEM files readable by the user Vigil runs as',
        cause: e,
      });
    }
  };
  return { cert: read('cert'), key: read('key'), minVersion };
}

/**
 * Renewed certificates take effect without a restart: new connections get the
 * new context, the listener and open connections stay. Throws (and changes
 * nothing) when the files cannot be read or do not match.
 */
export function reloadTls(server: unknown, loaded: Pick<LoadedConfig, 'config' | 'file'>): boolean {
  const options = tlsOptions(loaded);
  const s = server as Partial<Server>;
  if (!options || typeof s.setSecureContext !== 'function') return false;
  s.setSecureContext(options);
  return true;
}
