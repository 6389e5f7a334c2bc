/**
 * `${VAR}` and `${VAR:-default}` in YAML string values, so secrets stay in the
 * environment. `$${` writes a literal `${`. Applied to parsed scalars, never to
 * the raw text, so a value cannot change the document's structure.
 */
export type Env = Readonly<Record<string, string | undefined>>;

export interface Interpolated {
  value: string;
  /** true when any part came from the environment: such values are secrets to redact */
  fromEnv: boolean;
  /** the values taken from the environment, each a secret the scrubber must know */
  secrets: string[];
  missing: string[];
}

const reference = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export function interpolate(text: string, env: Env): Interpolated {
  const missing: string[] = [];
  const secrets: string[] = [];
  const value = text.replace(reference, (whole, name: string | undefined, fallback: string | undefined) => {
    if (whole === '$${') return '${';
    const v = env[name!];
    if (v !== undefined && v !== '') {
      secrets.push(v);
      return v;
    }
    if (fallback !== undefined) return fallback;
    missing.push(name!);
    return '';
  });
  return { value, fromEnv: secrets.length > 0, secrets, missing };
}
