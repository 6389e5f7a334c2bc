import path from 'node:path';
import type { Io } from './output.js';

/** --config, else $VIGIL_CONFIG, else ./vigil.yaml. */
export function configPath(io: Io, option: string | undefined): string {
  return path.resolve(io.cwd, option ?? io.env.VIGIL_CONFIG ?? 'vigil.yaml');
}
