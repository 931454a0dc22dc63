import { InvalidArgumentError } from '../errors.js';

/** A non-negative safe integer written in decimal without leading zeros (as Nix prints sizes). */
export function parseDecimal(text: string, what: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(text)) {
    throw new InvalidArgumentError(
      `${what}: ${JSON.stringify(text)} is not a decimal number without leading zeros`,
    );
  }
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`${what}: ${text} is larger than 2^53 - 1`);
  return n;
}
