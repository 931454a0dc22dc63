import fs from 'node:fs';
import { InvalidArgumentError, TallyError } from '../errors.js';
import type { PublicKey } from '../crypto/ed25519-keys.js';
import { parsePublicKeyText } from '../crypto/signed-note.js';

/**
 * A PUBKEY argument: a path to a `.public` file, or the key itself, either in Nix's `name:base64`
 * form or as a C2SP verifier key `name+keyid+base64` (parsePublicKeyText).
 */
export function readPublicKeyArgument(argument: string): PublicKey {
  if (fs.existsSync(argument) && fs.statSync(argument).isFile()) {
    return parsePublicKeyText(fs.readFileSync(argument, 'utf8'));
  }
  try {
    return parsePublicKeyText(argument);
  } catch (err) {
    if (!(err instanceof TallyError)) throw err;
    throw new InvalidArgumentError(
      `public key ${JSON.stringify(argument)} is neither a key file nor a key: ${err.message}`,
    );
  }
}
