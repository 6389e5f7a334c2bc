import { hasProgram, type Stage } from '../pipeline.js';

/** zstd where the program is installed (several times faster than gzip), gzip otherwise. */
export interface Compression {
  ext: 'zst' | 'gz';
  compress: Stage;
  decompress(file: string): Stage;
}

const zstd: Compression = {
  ext: 'zst',
  compress: { argv: ['zstd', '-3', '-q', '-c'] },
  decompress: (file) => ({ argv: ['zstd', '-d', '-q', '-c', file] }),
};
const gzip: Compression = {
  ext: 'gz',
  compress: { argv: ['gzip', '-1', '-c'] },
  decompress: (file) => ({ argv: ['gzip', '-d', '-c', file] }),
};

export async function pickCompression(wanted: 'auto' | 'zstd' | 'gzip'): Promise<Compression> {
  if (wanted === 'gzip') return gzip;
  if (wanted === 'zstd') return zstd;
  return (await hasProgram('zstd')) ? zstd : gzip;
}

/** The compression of an artifact, from its name. */
export function compressionOf(file: string): Compression {
  return file.endsWith('.zst') ? zstd : gzip;
}
