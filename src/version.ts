import { readFileSync } from 'node:fs';

/** Read once from package.json, which ships beside dist/ in the package. */
export const version: string = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
).version;
