import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { strToU8, zipSync } from 'fflate';
import type { OsvEvent, OsvRecord } from '../../src/audit/osv.js';

/** An OSV export as OSV publishes it: `<dir>/<ecosystem>/all.zip`, one `<id>.json` per record. */
export function writeExport(dir: string, ecosystem: string, records: OsvRecord[]): string {
  const zip = zipSync(Object.fromEntries(records.map((r) => [`${r.id}.json`, strToU8(JSON.stringify(r))])));
  mkdirSync(path.join(dir, ecosystem), { recursive: true });
  const file = path.join(dir, ecosystem, 'all.zip');
  writeFileSync(file, zip);
  return file;
}

export const zipOf = (records: OsvRecord[]) =>
  zipSync(Object.fromEntries(records.map((r) => [`${r.id}.json`, strToU8(JSON.stringify(r))])));

/** A record for one package with one range; `extra` overrides any field. */
export function record(
  id: string,
  ecosystem: string,
  name: string,
  events: OsvEvent[],
  extra: Partial<OsvRecord> & { type?: 'SEMVER' | 'ECOSYSTEM'; versions?: string[] } = {},
): OsvRecord {
  const { type = 'ECOSYSTEM', versions, ...rest } = extra;
  return {
    id,
    modified: '2026-12-03T00:00:00Z',
    summary: `${name} is vulnerable`,
    affected: [
      {
        package: { ecosystem, name },
        ranges: events.length ? [{ type, events }] : [],
        ...(versions ? { versions } : {}),
      },
    ],
    ...rest,
  };
}
