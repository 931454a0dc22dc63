// First write wins: the map refuses to overwrite a key, and refuses malformed inserts, without
// producing any writes.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { mapGet, mapInsertBatch, mapRoot, type MapInsert } from '../../src/map/index.js';
import { MemoryNodeSource, keysSharingPrefix } from './support.js';

const digest = Buffer.alloc(32, 5);
const entry = (key: string | Buffer, logIndex: number): MapInsert => ({
  key: Buffer.isBuffer(key) ? key : Buffer.from(key),
  logIndex,
  valueDigest: digest,
});

function populated(): MemoryNodeSource {
  const source = new MemoryNodeSource();
  const [nearA, nearB] = keysSharingPrefix(16, 2);
  const batch = [
    entry(nearA!, 0),
    entry(nearB!, 1),
    ...Array.from({ length: 100 }, (_, i) => entry(`key-${i}`, 2 + i)),
  ];
  source.apply(mapInsertBatch(source, batch).writes);
  return source;
}

describe('map insert refusals', () => {
  it('refuses a key that is already present, wherever its leaf sits', () => {
    const source = populated();
    const before = new Map(source.records);
    const [nearA] = keysSharingPrefix(16, 2);
    for (const existing of [entry('key-0', 500), entry('key-99', 501), entry(nearA!, 502)]) {
      expect(() => mapInsertBatch(source, [existing])).toThrow(InvalidArgumentError);
      expect(() => mapInsertBatch(source, [entry('fresh-1', 600), existing, entry('fresh-2', 601)])).toThrow(
        /already present/,
      );
    }
    expect(source.records).toEqual(before);
    expect(mapGet(source, Buffer.from('key-0'))?.logIndex).toBe(2);
  });

  it('refuses an existing key when it is the lone collapsed root', () => {
    const source = new MemoryNodeSource();
    source.apply(mapInsertBatch(source, [entry('alone', 0)]).writes);
    expect(() => mapInsertBatch(source, [entry('alone', 1)])).toThrow(/already present/);
    expect(() => mapInsertBatch(source, [entry('other', 1), entry('alone', 2)])).toThrow(/already present/);
  });

  it('refuses a key twice in one batch', () => {
    const source = populated();
    expect(() => mapInsertBatch(source, [entry('dup', 1000), entry('x', 1001), entry('dup', 1002)])).toThrow(
      /duplicate key/,
    );
    expect(() => mapInsertBatch(new MemoryNodeSource(), [entry('dup', 0), entry('dup', 0)])).toThrow(
      InvalidArgumentError,
    );
  });

  it('refuses malformed inserts', () => {
    const source = new MemoryNodeSource();
    const bad: MapInsert[] = [
      { key: Buffer.alloc(0), logIndex: 0, valueDigest: digest },
      { key: Buffer.alloc(256), logIndex: 0, valueDigest: digest },
      { key: Buffer.from('k'), logIndex: -1, valueDigest: digest },
      { key: Buffer.from('k'), logIndex: 1.5, valueDigest: digest },
      { key: Buffer.from('k'), logIndex: 2 ** 53, valueDigest: digest },
      { key: Buffer.from('k'), logIndex: 0, valueDigest: Buffer.alloc(31) },
    ];
    for (const insert of bad) expect(() => mapInsertBatch(source, [insert])).toThrow(InvalidArgumentError);
  });

  it('returns the current root and no writes for an empty batch', () => {
    const source = populated();
    expect(mapInsertBatch(source, [])).toEqual({ root: mapRoot(source), writes: [] });
    expect(mapInsertBatch(new MemoryNodeSource(), [])).toEqual({ root: Buffer.alloc(32), writes: [] });
  });
});
