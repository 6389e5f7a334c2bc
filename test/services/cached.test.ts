import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/core/clock.js';
import { Cached } from '../../src/services/cached.js';

describe('Cached', () => {
  it('waits for the first read, serves the value within its time to live, then refreshes in the background', async () => {
    const clock = new FakeClock(0);
    let reads = 0;
    let release: (v: number) => void = () => {};
    const cached = new Cached(
      () => {
        reads++;
        return reads === 1 ? Promise.resolve(1) : new Promise<number>((r) => (release = r));
      },
      clock,
      1000,
    );
    expect(await cached.get()).toBe(1);
    await clock.advance(999);
    expect(await cached.get()).toBe(1);
    expect(reads).toBe(1);
    await clock.advance(1);
    // stale: the old value at once, one refresh started however many ask
    expect(await cached.get()).toBe(1);
    expect(await cached.get()).toBe(1);
    expect(reads).toBe(2);
    release(2);
    await Promise.resolve();
    await Promise.resolve();
    expect(await cached.get()).toBe(2);
    expect(reads).toBe(2);
  });

  it('keeps serving the previous value when a refresh fails, and reports the failure', async () => {
    const clock = new FakeClock(0);
    const errors: unknown[] = [];
    let fail = false;
    const cached = new Cached(
      () => (fail ? Promise.reject(new Error('store gone')) : Promise.resolve('v1')),
      clock,
      10,
      (e) => errors.push(e),
    );
    expect(await cached.get()).toBe('v1');
    fail = true;
    await clock.advance(10);
    expect(await cached.get()).toBe('v1');
    await new Promise((r) => setImmediate(r));
    expect(errors.map((e) => (e as Error).message)).toEqual(['store gone']);
    // a failed first read is the caller's error
    const empty = new Cached(() => Promise.reject(new Error('no store')), clock, 10);
    await expect(empty.get()).rejects.toThrow('no store');
  });
});
