import { describe, expect, it } from 'vitest';
import { ServedNarinfos } from '../../src/cache/served-narinfos.js';

describe('served narinfos', () => {
  const value = Buffer.from('decided value');
  const body = Buffer.from('StorePath: /nix/store/x\n');
  const source = { upstream: 'a', url: 'nar/x.nar.xz', compression: 'xz' };

  it('answer only while the decision stands: same value, same agreeing upstreams, within the TTL', () => {
    let now = 1_000;
    const served = new ServedNarinfos(60_000, 10, () => now);
    served.set('h', value, ['a', 'b'], body, source);
    expect(served.get('h', value, ['a', 'b'])).toBe(body);
    expect(served.source('h', value, ['a', 'b'])).toEqual(source);
    expect(served.source('h', value, ['b', 'a'])).toBeUndefined();
    // Another decided value (a log changed its answer) or another set of agreeing upstreams.
    expect(served.get('h', Buffer.from('other value'), ['a', 'b'])).toBeUndefined();
    served.set('h', value, ['a', 'b'], body, source);
    expect(served.get('h', value, ['a'])).toBeUndefined();
    expect(served.get('h', value, ['a', 'b'])).toBeUndefined(); // a mismatch drops the entry
    served.set('h', value, ['a', 'b'], body, source);
    now += 60_000;
    expect(served.get('h', value, ['a', 'b'])).toBeUndefined();
  });

  it('keep at most maxEntries, dropping the oldest, and nothing with a zero TTL', () => {
    const served = new ServedNarinfos(60_000, 2);
    for (const hash of ['h1', 'h2', 'h3']) served.set(hash, value, ['a'], body, source);
    expect(served.size).toBe(2);
    expect(served.get('h1', value, ['a'])).toBeUndefined();
    expect(served.get('h3', value, ['a'])).toBe(body);
    const off = new ServedNarinfos(0, 10);
    off.set('h', value, ['a'], body, source);
    expect(off.get('h', value, ['a'])).toBeUndefined();
  });

  it('keep their own copy of the upstream list', () => {
    const served = new ServedNarinfos(60_000, 10);
    const upstreams = ['a', 'b'];
    served.set('h', value, upstreams, body, source);
    upstreams.pop();
    expect(served.get('h', value, ['a', 'b'])).toBe(body);
  });
});
