import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import nacl from 'tweetnacl';
import { InvalidArgumentError } from '../errors.js';

/**
 * Ed25519 keys in the text format of `nix-store --generate-binary-cache-key`:
 *   secret: `name:base64(64-byte secret key = seed || public key)`
 *   public: `name:base64(32-byte public key)`
 * One format for the log key and the cache key, so users handle a single kind of key file.
 */
export interface SecretKey {
  name: string;
  secretKey: Uint8Array; // 64 bytes, tweetnacl layout
  publicKey: Uint8Array; // 32 bytes
}
export interface PublicKey {
  name: string;
  publicKey: Uint8Array; // 32 bytes
}

/** A key name, which is also what a log is called in the config (publish.name, follow.name). */
export const KEY_NAME = /^[A-Za-z0-9._+-]{1,128}$/;

function splitKeyText(text: string, what: string): { name: string; bytes: Buffer } {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  if (colon <= 0) throw new InvalidArgumentError(`${what}: expected "name:base64", got no name`);
  const name = trimmed.slice(0, colon);
  if (!KEY_NAME.test(name))
    throw new InvalidArgumentError(`${what}: invalid key name ${JSON.stringify(name)}`);
  const b64 = trimmed.slice(colon + 1);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64))
    throw new InvalidArgumentError(`${what}: key material is not base64`);
  return { name, bytes: Buffer.from(b64, 'base64') };
}

export function assertKeyName(name: string): void {
  if (!KEY_NAME.test(name)) {
    throw new InvalidArgumentError(
      `key name ${JSON.stringify(name)} must be 1-128 characters of [A-Za-z0-9._+-]`,
    );
  }
}

export function generateSecretKey(name: string): SecretKey {
  assertKeyName(name);
  const pair = nacl.sign.keyPair();
  return { name, secretKey: pair.secretKey, publicKey: pair.publicKey };
}

export function parseSecretKey(text: string): SecretKey {
  const { name, bytes } = splitKeyText(text, 'secret key');
  if (bytes.length !== 64)
    throw new InvalidArgumentError(`secret key: expected 64 bytes, got ${bytes.length}`);
  const secretKey = new Uint8Array(bytes);
  const derived = nacl.sign.keyPair.fromSeed(secretKey.subarray(0, 32));
  if (!Buffer.from(derived.publicKey).equals(Buffer.from(secretKey.subarray(32)))) {
    throw new InvalidArgumentError('secret key: the embedded public key does not match the seed');
  }
  return { name, secretKey, publicKey: derived.publicKey };
}

export function parsePublicKey(text: string): PublicKey {
  const { name, bytes } = splitKeyText(text, 'public key');
  if (bytes.length !== 32)
    throw new InvalidArgumentError(`public key: expected 32 bytes, got ${bytes.length}`);
  return { name, publicKey: new Uint8Array(bytes) };
}

export function formatSecretKey(key: SecretKey): string {
  return `${key.name}:${Buffer.from(key.secretKey).toString('base64')}`;
}

export function formatPublicKey(key: PublicKey): string {
  return `${key.name}:${Buffer.from(key.publicKey).toString('base64')}`;
}

export function publicKeyOf(key: SecretKey): PublicKey {
  return { name: key.name, publicKey: key.publicKey };
}

// DER PKCS#8 prefix of a raw 32-byte Ed25519 seed, and SubjectPublicKeyInfo prefix of a raw
// 32-byte public key (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const signKeys = new WeakMap<Uint8Array, crypto.KeyObject>();
const verifyKeys = new WeakMap<Uint8Array, crypto.KeyObject>();

/**
 * Signing and verifying go through node:crypto (OpenSSL), far faster than tweetnacl's pure JS
 * (docs/decisions.md, "Signing and verifying Ed25519 with node:crypto"). Ed25519 is deterministic,
 * so the signatures are the very bytes tweetnacl made (a test checks). tweetnacl still generates keys.
 */
export function signDetached(key: SecretKey, message: Uint8Array): Buffer {
  let keyObject = signKeys.get(key.secretKey);
  if (!keyObject) {
    // Nix's 64-byte secret key is seed || public key; PKCS#8 carries the seed.
    keyObject = crypto.createPrivateKey({
      key: Buffer.concat([ED25519_PKCS8_PREFIX, key.secretKey.subarray(0, 32)]),
      format: 'der',
      type: 'pkcs8',
    });
    signKeys.set(key.secretKey, keyObject);
  }
  return crypto.sign(null, message, keyObject);
}

export function verifyDetached(key: PublicKey, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64 || key.publicKey.length !== 32) return false;
  let keyObject = verifyKeys.get(key.publicKey);
  if (!keyObject) {
    keyObject = crypto.createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, key.publicKey]),
      format: 'der',
      type: 'spki',
    });
    verifyKeys.set(key.publicKey, keyObject);
  }
  return crypto.verify(null, message, keyObject, signature);
}

/** Writes `<dir>/<name>.secret` (mode 0600, never overwritten) and `<dir>/<name>.public`. */
export function writeKeyPair(
  dir: string,
  key: SecretKey,
  /** The files' name without .secret / .public: the key's name unless given. */
  fileName: string = key.name,
): { secretPath: string; publicPath: string } {
  fs.mkdirSync(dir, { recursive: true });
  const secretPath = path.join(dir, `${fileName}.secret`);
  const publicPath = path.join(dir, `${fileName}.public`);
  // 'wx' refuses to clobber an existing key; mode applies at creation, before any byte is written.
  fs.writeFileSync(secretPath, formatSecretKey(key) + '\n', { mode: 0o600, flag: 'wx' });
  fs.writeFileSync(publicPath, formatPublicKey(publicKeyOf(key)) + '\n', { mode: 0o644, flag: 'wx' });
  return { secretPath, publicPath };
}

export function readSecretKeyFile(file: string): SecretKey {
  return parseSecretKey(fs.readFileSync(file, 'utf8'));
}

export function readPublicKeyFile(file: string): PublicKey {
  return parsePublicKey(fs.readFileSync(file, 'utf8'));
}
