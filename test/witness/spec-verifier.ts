import crypto from 'node:crypto';

/**
 * A cosignature verifier written from c2sp.org/tlog-cosignature alone, with node:crypto and no
 * code of src/: `line` is one "— <name> <base64>\n" line, `body` the cosigned note text.
 */
export function specVerifies(line: string, body: string, name: string, publicKey: Uint8Array): boolean {
  const match = /^\u2014 (\S+) (\S+)\n$/.exec(line);
  if (!match || match[1] !== name) return false;
  const bytes = Buffer.from(match[2]!, 'base64');
  const id = crypto
    .createHash('sha256')
    .update(Buffer.concat([Buffer.from(`${name}\n`), Buffer.of(4), publicKey]))
    .digest()
    .subarray(0, 4);
  if (bytes.length !== 76 || !bytes.subarray(0, 4).equals(id)) return false;
  const message = Buffer.from(`cosignature/v1\ntime ${bytes.readBigUInt64BE(4)}\n${body}`);
  const key = crypto.createPublicKey({
    key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKey]),
    format: 'der',
    type: 'spki',
  });
  return crypto.verify(null, message, key, bytes.subarray(12));
}
