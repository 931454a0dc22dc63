import { decodeNixBase32, encodeNixBase32, NIX_BASE32_ALPHABET } from '../crypto/nix-base32.js';
import { InvalidArgumentError } from '../errors.js';

/**
 * Nix store paths: `<storeDir>/<hash part>-<name>`, the hash part being 32 characters of Nix base32
 * (20 bytes). Those 20 bytes are THE key of a Nix entry in tally: the post-build hook submits
 * `storePathKey(outPath)` and the cache proxy looks up `keyFromHashPart(<hash>)` for
 * `GET /<hash>.narinfo`; both go through `keyFromHashPart`, so they cannot drift apart.
 */
export const DEFAULT_STORE_DIR = '/nix/store';
export const STORE_PATH_HASH_CHARS = 32;
export const STORE_PATH_KEY_BYTES = 20;
export const MAX_STORE_PATH_NAME_CHARS = 211;

export interface StorePath {
  storeDir: string;
  hashPart: string;
  name: string;
}

const NAME_CHARS = /^[A-Za-z0-9+\-._?=]+$/;
const HASH_PART = new RegExp(`^[${NIX_BASE32_ALPHABET}]{${STORE_PATH_HASH_CHARS}}$`);
const STORE_DIR_COMPONENT = /^[A-Za-z0-9+\-._?=]+$/;

/** Throws unless `storeDir` is an absolute, normalised directory such as `/nix/store`. */
export function assertStoreDir(storeDir: string): void {
  const components = storeDir.split('/').slice(1);
  const ok =
    storeDir.startsWith('/') &&
    components.every((c) => STORE_DIR_COMPONENT.test(c) && c !== '.' && c !== '..');
  if (!ok) {
    throw new InvalidArgumentError(
      `store dir ${JSON.stringify(storeDir)} must be an absolute path without a trailing slash, empty, "." or ".." components`,
    );
  }
}

/** Throws unless `hashPart` is 32 characters of Nix base32, the hash part of a store path. */
export function assertHashPart(hashPart: string): void {
  if (HASH_PART.test(hashPart)) return;
  if (hashPart.length !== STORE_PATH_HASH_CHARS) {
    throw new InvalidArgumentError(
      `store path hash ${JSON.stringify(hashPart)} must be ${STORE_PATH_HASH_CHARS} characters, got ${hashPart.length}`,
    );
  }
  const at = [...hashPart].findIndex((c) => !NIX_BASE32_ALPHABET.includes(c));
  throw new InvalidArgumentError(
    `store path hash ${JSON.stringify(hashPart)} has ${JSON.stringify(hashPart[at])} at position ${at}, ` +
      `outside the Nix base32 alphabet ${NIX_BASE32_ALPHABET}`,
  );
}

/** The 20 raw key bytes of a 32-character Nix base32 store path hash part. */
export function keyFromHashPart(hashPart: string): Buffer {
  assertHashPart(hashPart);
  // 32 characters carry exactly 160 bits, so there are no padding bits to reject.
  return decodeNixBase32(hashPart);
}

/** Inverse of `keyFromHashPart`: the hash part that names a key in URLs and store paths. */
export function hashPartOfKey(key: Uint8Array): string {
  if (key.length !== STORE_PATH_KEY_BYTES) {
    throw new InvalidArgumentError(`store path key must be ${STORE_PATH_KEY_BYTES} bytes, got ${key.length}`);
  }
  return encodeNixBase32(key);
}

/** Nix's `checkName`: the allowed characters, at most 211 of them, and no `.`/`..` first component. */
export function assertStorePathName(name: string, where: string): void {
  if (name.length === 0) throw new InvalidArgumentError(`${where}: name must not be empty`);
  if (name.length > MAX_STORE_PATH_NAME_CHARS) {
    throw new InvalidArgumentError(
      `${where}: name is ${name.length} characters, longer than ${MAX_STORE_PATH_NAME_CHARS}`,
    );
  }
  if (!NAME_CHARS.test(name)) {
    const bad = [...name].find((c) => !NAME_CHARS.test(c));
    throw new InvalidArgumentError(
      `${where}: name contains ${JSON.stringify(bad)}; allowed are A-Z a-z 0-9 and + - . _ ? =`,
    );
  }
  // Nix (path.cc checkName) accepts a leading dot, e.g. `.dotfile`, but not "." or ".." as
  // the whole name or as the first dash-separated component.
  const first = name.split('-', 1)[0];
  if (first === '.' || first === '..') {
    throw new InvalidArgumentError(`${where}: name must not start with a "${first}" component`);
  }
}

/** Parses a bare store path basename `<hash>-<name>`. */
export function parseStorePathBaseName(baseName: string, storeDir: string = DEFAULT_STORE_DIR): StorePath {
  const where = `store path ${JSON.stringify(baseName)}`;
  if (baseName.length < STORE_PATH_HASH_CHARS + 2 || baseName[STORE_PATH_HASH_CHARS] !== '-') {
    throw new InvalidArgumentError(`${where}: expected "<${STORE_PATH_HASH_CHARS}-character hash>-<name>"`);
  }
  const hashPart = baseName.slice(0, STORE_PATH_HASH_CHARS);
  try {
    assertHashPart(hashPart);
  } catch (e) {
    throw new InvalidArgumentError(`${where}: ${(e as Error).message}`);
  }
  const name = baseName.slice(STORE_PATH_HASH_CHARS + 1);
  assertStorePathName(name, where);
  return { storeDir, hashPart, name };
}

/** Parses a full store path `<storeDir>/<hash>-<name>`; the store dir must match exactly. */
export function parseStorePath(path: string, storeDir: string = DEFAULT_STORE_DIR): StorePath {
  assertStoreDir(storeDir);
  const prefix = storeDir + '/';
  if (!path.startsWith(prefix)) {
    throw new InvalidArgumentError(
      `store path ${JSON.stringify(path)} is not directly in store dir ${storeDir}`,
    );
  }
  const baseName = path.slice(prefix.length);
  if (baseName.includes('/')) {
    throw new InvalidArgumentError(`store path ${JSON.stringify(path)} names a file inside a store path`);
  }
  return parseStorePathBaseName(baseName, storeDir);
}

/** Bytewise order; store path basenames are ASCII, so UTF-16 code unit order is byte order. */
export function compareBytewise(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function storePathBaseName(storePath: StorePath): string {
  return `${storePath.hashPart}-${storePath.name}`;
}

export function formatStorePath(storePath: StorePath): string {
  return `${storePath.storeDir}/${storePathBaseName(storePath)}`;
}

/** THE key of a store path: the 20 bytes its hash part encodes. */
export function storePathKey(path: string, storeDir: string = DEFAULT_STORE_DIR): Buffer {
  return keyFromHashPart(parseStorePath(path, storeDir).hashPart);
}
