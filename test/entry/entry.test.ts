import { describe, expect, it } from 'vitest';
import { checkEntries, checkKey, checkValue, MAX_KEY_BYTES, MAX_VALUE_BYTES } from '../../src/entry/entry.js';
import { InvalidArgumentError } from '../../src/errors.js';

const bytes = (n: number) => Buffer.alloc(n, 0x61);

describe('entry bounds', () => {
  it('keys are 1..255 bytes: the shortest and longest pass, one past either is refused naming the field', () => {
    expect(() => checkKey(bytes(1), 'key')).not.toThrow();
    expect(() => checkKey(bytes(MAX_KEY_BYTES), 'key')).not.toThrow();
    expect(() => checkKey(bytes(0), 'entries[0].key')).toThrow(
      new InvalidArgumentError('entries[0].key: 0 bytes; keys are 1..255 bytes'),
    );
    expect(() => checkKey(bytes(256), 'key')).toThrow('key: 256 bytes; keys are 1..255 bytes');
  });

  it('values are 1..65536 bytes', () => {
    expect(() => checkValue(bytes(1), 'value')).not.toThrow();
    expect(() => checkValue(bytes(MAX_VALUE_BYTES), 'value')).not.toThrow();
    expect(() => checkValue(bytes(0), 'value')).toThrow('value: 0 bytes; values are 1..65536 bytes');
    expect(() => checkValue(bytes(MAX_VALUE_BYTES + 1), 'value')).toThrow(InvalidArgumentError);
  });

  it('checkEntries names the first bad entry and which half of it is wrong', () => {
    const good = { key: bytes(32), value: bytes(10) };
    expect(() => checkEntries([good, good], 'entries')).not.toThrow();
    expect(() => checkEntries([good, { key: bytes(32), value: bytes(0) }], 'entries')).toThrow(
      'entries[1].value: 0 bytes',
    );
    expect(() => checkEntries([good, good, { key: bytes(300), value: bytes(10) }], 'entries')).toThrow(
      'entries[2].key: 300 bytes',
    );
  });
});
