import { InvalidArgumentError } from '../errors.js';

/*
 * A log entry: the one (key, value) type every layer passes around, and its bounds. The log's
 * leaf encoding, the map's paths, the gRPC API and the spool all take these bounds from here.
 */

/** One entry as it is submitted and logged. */
export interface Entry {
  key: Buffer;
  value: Buffer;
}

/** Shortest key: an empty key is what proto3 sends when the field was forgotten. */
export const MIN_KEY_BYTES = 1;
/** Longest key: the log's leaf encoding prefixes the key with a single length byte. */
export const MAX_KEY_BYTES = 255;

/** Shortest value: as for keys, an empty value is a forgotten field. */
export const MIN_VALUE_BYTES = 1;
/** Longest value (64 KiB); a Nix value (path, NAR hash and size, references) is far smaller. */
export const MAX_VALUE_BYTES = 64 * 1024;

/** Throws InvalidArgumentError naming `field` unless `key` is within the key bounds. */
export function checkKey(key: Buffer, field: string): void {
  if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
    throw new InvalidArgumentError(
      `${field}: ${key.length} bytes; keys are ${MIN_KEY_BYTES}..${MAX_KEY_BYTES} bytes`,
    );
  }
}

/** Throws InvalidArgumentError naming `field` unless `value` is within the value bounds. */
export function checkValue(value: Buffer, field: string): void {
  if (value.length < MIN_VALUE_BYTES || value.length > MAX_VALUE_BYTES) {
    throw new InvalidArgumentError(
      `${field}: ${value.length} bytes; values are ${MIN_VALUE_BYTES}..${MAX_VALUE_BYTES} bytes`,
    );
  }
}

/** checkKey and checkValue for every entry; errors name `field[i].key` or `field[i].value`. */
export function checkEntries(entries: readonly Entry[], field: string): void {
  entries.forEach((e, i) => {
    checkKey(e.key, `${field}[${i}].key`);
    checkValue(e.value, `${field}[${i}].value`);
  });
}
