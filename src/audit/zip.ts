import { inflateRawSync } from 'node:zlib';

/*
 * A zip is read by its central directory, and each entry inflated by Node's zlib when it is
 * reached: a full OSV export (hundreds of thousands of records) never sits in memory
 * uncompressed, and the time grows with the archive. fflate's unzipSync inflates every entry
 * at once, and its streaming Unzip slowed down sharply on exports of 100,000 entries; the
 * directory itself is a small, fixed format (PKWARE APPNOTE 4.3.12–4.3.16, with Zip64).
 */

const eocdSig = 0x06054b50;
const zip64LocatorSig = 0x07064b50;
const zip64EocdSig = 0x06064b50;
const centralSig = 0x02014b50;
const localSig = 0x04034b50;

function endOfDirectory(view: DataView, length: number): { count: number; offset: number } {
  for (let i = length - 22; i >= Math.max(0, length - 22 - 65_535); i--) {
    if (view.getUint32(i, true) !== eocdSig) continue;
    let count = view.getUint16(i + 10, true);
    let offset = view.getUint32(i + 16, true);
    const loc = i - 20;
    if (
      (count === 0xffff || offset === 0xffffffff) &&
      loc >= 0 &&
      view.getUint32(loc, true) === zip64LocatorSig
    ) {
      const at = Number(view.getBigUint64(loc + 8, true));
      if (at + 56 > length || view.getUint32(at, true) !== zip64EocdSig)
        throw new Error('a broken Zip64 end record');
      count = Number(view.getBigUint64(at + 32, true));
      offset = Number(view.getBigUint64(at + 48, true));
    }
    return { count, offset };
  }
  throw new Error('no end of central directory: the file is cut short');
}

/**
 * Each entry of a zip, in directory order, decompressed one at a time. A file cut short, an
 * entry past the end or a compression other than stored/deflate throws.
 */
export function readZip(bytes: Uint8Array, each: (name: string, data: Uint8Array) => void): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { count, offset } = endOfDirectory(view, bytes.length);
  const decoder = new TextDecoder();
  let p = offset;
  const more = () => p + 46 <= bytes.length && view.getUint32(p, true) === centralSig;
  // past `count`, more entries may follow: a writer without Zip64 keeps the count modulo 65,536
  for (let n = 0; n < count || more(); n++) {
    if (!more()) throw new Error(`the central directory ends after ${n} of ${count} entries`);
    const method = view.getUint16(p + 10, true);
    let size = view.getUint32(p + 20, true);
    const nameLen = view.getUint16(p + 28, true);
    const extraLen = view.getUint16(p + 30, true);
    const commentLen = view.getUint16(p + 32, true);
    let local = view.getUint32(p + 42, true);
    const name = decoder.decode(bytes.subarray(p + 46, p + 46 + nameLen));
    // Zip64: the real sizes and offset in extra field 0x0001, in this order, where they overflowed
    if (size === 0xffffffff || local === 0xffffffff) {
      let e = p + 46 + nameLen;
      const end = e + extraLen;
      while (e + 4 <= end) {
        const id = view.getUint16(e, true);
        const len = view.getUint16(e + 2, true);
        if (id === 0x0001) {
          let f = e + 4;
          if (view.getUint32(p + 24, true) === 0xffffffff) f += 8; // uncompressed size first
          if (size === 0xffffffff) {
            size = Number(view.getBigUint64(f, true));
            f += 8;
          }
          if (local === 0xffffffff) local = Number(view.getBigUint64(f, true));
        }
        e += 4 + len;
      }
    }
    p += 46 + nameLen + extraLen + commentLen;
    if (name.endsWith('/')) continue;
    if (local + 30 > bytes.length || view.getUint32(local, true) !== localSig)
      throw new Error(`entry ${name} lies past the end of the file`);
    const start = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (start + size > bytes.length) throw new Error(`entry ${name} is cut short`);
    const raw = bytes.subarray(start, start + size);
    if (method === 0) each(name, raw);
    else if (method === 8) each(name, inflateRawSync(raw));
    else throw new Error(`entry ${name} uses compression method ${method}, not deflate`);
  }
}
