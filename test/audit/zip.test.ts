import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readZip } from '../../src/audit/zip.js';

const names = (bytes: Uint8Array) => {
  const out: [string, string][] = [];
  readZip(bytes, (name, data) => out.push([name, new TextDecoder().decode(data)]));
  return out;
};

describe('reading a zip by its central directory', () => {
  it('deflated and stored entries, folders passed over', () => {
    const zip = zipSync({
      'npm/': {},
      'a.json': strToU8('{"id":"a"}'),
      'b.json': [strToU8('{"id":"b"}'), { level: 0 }],
    });
    expect(names(zip)).toEqual([
      ['a.json', '{"id":"a"}'],
      ['b.json', '{"id":"b"}'],
    ]);
  });

  it('more than 65,535 entries from a writer without Zip64 are all read', () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 65_540; i++) files[`${i}.json`] = strToU8('{}');
    expect(names(zipSync(files, { level: 0 }))).toHaveLength(65_540);
  });

  it('a file cut short or an entry past its end throws', () => {
    const zip = zipSync({ 'a.json': strToU8('{"id":"a"}'.repeat(100)) });
    expect(() => names(zip.subarray(0, zip.length - 30))).toThrow('no end of central directory');
    const hollow = new Uint8Array(zip);
    // the central directory's local header offset pointed past the end
    const dir = hollow.length - 22 - (46 + 'a.json'.length);
    new DataView(hollow.buffer).setUint32(dir + 42, 1_000_000, true);
    expect(() => names(hollow)).toThrow('entry a.json lies past the end of the file');
  });
});
