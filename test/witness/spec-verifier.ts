import crypto from 'node:crypto';

/*
 * A cosigner and a cosignature verifier written from c2sp.org/tlog-cosignature alone, with
 * node:crypto and no code of src/, to cross-check tally's witness and readers against.
 */

/** Key ID of a cosignature key: SHA-256(name || "\n" || 0x04 || 32-byte public key)[:4]. */
const specKeyId = (name: string, publicKey: Uint8Array): Buffer =>
  crypto
    .createHash('sha256')
    .update(Buffer.concat([Buffer.from(`${name}\n`), Buffer.of(4), publicKey]))
    .digest()
    .subarray(0, 4);

/** A fresh Ed25519 key pair: node's private key and the raw 32-byte public key. */
export function specKeyPair(): { privateKey: crypto.KeyObject; raw: Buffer } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519');
  return { privateKey, raw: publicKey.export({ format: 'der', type: 'spki' }).subarray(-32) };
}

/** The "— <name> <base64>\n" cosignature line over the note text `body`, stamped `time`. */
export function specCosign(
  name: string,
  privateKey: crypto.KeyObject,
  publicKey: Buffer,
  body: string,
  time: number,
): string {
  const timestamp = Buffer.alloc(8);
  timestamp.writeBigUInt64BE(BigInt(time));
  const signature = crypto.sign(null, Buffer.from(`cosignature/v1\ntime ${time}\n${body}`), privateKey);
  return `\u2014 ${name} ${Buffer.concat([specKeyId(name, publicKey), timestamp, signature]).toString('base64')}\n`;
}

/** Whether `line`, one "— <name> <base64>\n" line, is a valid cosignature over `body` by the key. */
export function specVerifies(line: string, body: string, name: string, publicKey: Uint8Array): boolean {
  const match = /^\u2014 (\S+) (\S+)\n$/.exec(line);
  if (!match || match[1] !== name) return false;
  const bytes = Buffer.from(match[2]!, 'base64');
  if (bytes.length !== 76 || !bytes.subarray(0, 4).equals(specKeyId(name, publicKey))) return false;
  const message = Buffer.from(`cosignature/v1\ntime ${bytes.readBigUInt64BE(4)}\n${body}`);
  const key = crypto.createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]),
    format: 'der',
    type: 'spki',
  });
  return crypto.verify(null, message, key, bytes.subarray(12));
}
