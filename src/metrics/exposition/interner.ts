/** FNV-1a, fed one char code at a time by the scanner that reads the name anyway. */
export const fnvOffset = 0x811c9dc5 | 0;
export const fnvPrime = 0x01000193;

/**
 * One string per distinct name, looked up by the hash the scanner computed and
 * a comparison against the text, so a name seen before costs no substring,
 * no garbage and no Map hashing. An exposition repeats a few thousand names
 * over and over; interning also makes every sample's label object share one
 * hidden class per label-name sequence.
 */
export class Interner {
  private keys: (string | undefined)[];
  private hashes: Int32Array;
  private mask: number;
  private size = 0;

  constructor(bits = 10) {
    this.keys = new Array(1 << bits).fill(undefined);
    this.hashes = new Int32Array(1 << bits);
    this.mask = (1 << bits) - 1;
  }

  /** text.slice(start, end), interned; `hash` is FNV-1a of those char codes. */
  get(text: string, start: number, end: number, hash: number): string {
    const len = end - start;
    let i = hash & this.mask;
    for (;;) {
      const key = this.keys[i];
      if (key === undefined) break;
      if (this.hashes[i] === hash && key.length === len && text.startsWith(key, start)) return key;
      i = (i + 1) & this.mask;
    }
    const key = text.slice(start, end);
    this.keys[i] = key;
    this.hashes[i] = hash;
    if (++this.size * 2 > this.mask) this.grow();
    return key;
  }

  private grow(): void {
    const keys = this.keys;
    const hashes = this.hashes;
    this.mask = this.mask * 2 + 1;
    this.keys = new Array(this.mask + 1).fill(undefined);
    this.hashes = new Int32Array(this.mask + 1);
    for (let j = 0; j < keys.length; j++) {
      const key = keys[j];
      if (key === undefined) continue;
      let i = hashes[j]! & this.mask;
      while (this.keys[i] !== undefined) i = (i + 1) & this.mask;
      this.keys[i] = key;
      this.hashes[i] = hashes[j]!;
    }
  }
}
