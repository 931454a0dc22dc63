import { describe, expect, it } from 'vitest';
import { BoundedTtlMap } from '../../src/collections/bounded-ttl-map.js';

describe('BoundedTtlMap', () => {
  it('forgets entries after the TTL and the oldest beyond the bound', () => {
    let now = 0;
    const map = new BoundedTtlMap<string, string>(1000, 2, () => now);
    map.set('a', 'A');
    map.set('b', 'B');
    map.set('c', 'C');
    expect([map.get('a'), map.get('b'), map.get('c')]).toEqual([undefined, 'B', 'C']);
    expect(map.size).toBe(2);
    now = 999;
    expect(map.get('b')).toBe('B');
    now = 1000;
    expect(map.get('b')).toBeUndefined();
    expect(map.size).toBe(1); // an expired entry is dropped when read
  });

  it('makes a set key the newest again, with a fresh TTL', () => {
    let now = 0;
    const map = new BoundedTtlMap<string, number>(1000, 2, () => now);
    map.set('a', 1);
    map.set('b', 2);
    now = 500;
    map.set('a', 3); // now newer than b
    map.set('c', 4); // evicts b, the oldest insertion
    expect([map.get('a'), map.get('b'), map.get('c')]).toEqual([3, undefined, 4]);
    now = 1200;
    expect(map.get('a')).toBe(3); // its TTL started at 500
    map.delete('a');
    expect(map.get('a')).toBeUndefined();
  });

  it('keeps nothing with a zero TTL', () => {
    const off = new BoundedTtlMap<string, string>(0, 10);
    off.set('a', 'A');
    expect(off.get('a')).toBeUndefined();
    expect(off.size).toBe(0);
  });
});
