import { InvalidArgumentError, VerificationError } from '../errors.js';
import { DIGEST_LENGTH } from '../crypto/sha256.js';
import { PATH_BITS } from './path.js';
import { bitmapLength, countSetBits, paddingIsZero, proofShapeProblem } from './proof-shape.js';
import type { MapLeaf, MapProof } from './types.js';
import { readU64BE, writeU64BE } from './u64.js';

/*
 * Byte layout of an encoded map proof (docs/PROTOCOL.md, "The map"):
 *   u16be depth (0..256)
 *   u8    terminal: 0x00 = empty subtree, 0x01 = leaf
 *   emptyBitmap  ceil(depth/8) bytes
 *   siblings     32 bytes each; their count is depth - popcount(emptyBitmap)
 *   leaf         only when terminal = 0x01: path(32) || u64be(logIndex) || valueDigest(32)
 * and nothing after it.
 */
const TERMINAL_EMPTY = 0x00;
const TERMINAL_LEAF = 0x01;
const LEAF_LENGTH = DIGEST_LENGTH + 8 + DIGEST_LENGTH;

/** Encodes a well-formed proof; throws InvalidArgumentError for a malformed one. */
export function encodeMapProof(proof: MapProof): Buffer {
  const problem = proofShapeProblem(proof);
  if (problem !== undefined) throw new InvalidArgumentError(`cannot encode map proof: ${problem}`);
  const leafLength = proof.leaf === null ? 0 : LEAF_LENGTH;
  const out = Buffer.allocUnsafe(3 + proof.emptyBitmap.length + proof.siblings.length + leafLength);
  out.writeUInt16BE(proof.depth, 0);
  out[2] = proof.leaf === null ? TERMINAL_EMPTY : TERMINAL_LEAF;
  let at = 3;
  at += proof.emptyBitmap.copy(out, at);
  at += proof.siblings.copy(out, at);
  if (proof.leaf !== null) {
    at += proof.leaf.path.copy(out, at);
    writeU64BE(out, proof.leaf.logIndex, at);
    at += 8;
    proof.leaf.valueDigest.copy(out, at);
  }
  return out;
}

/**
 * Decodes a proof, rejecting short or trailing data, a depth over 256, an unknown terminal byte,
 * non-zero bitmap padding and log indexes beyond 2^53-1 (VerificationError: proof bytes come from
 * the network). Canonicality and the root are checked by verifyMapProof.
 */
export function decodeMapProof(bytes: Uint8Array): MapProof {
  const input = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (why: string): never => {
    throw new VerificationError(`malformed encoded map proof: ${why}`);
  };
  if (input.length < 3) fail(`${input.length} bytes is shorter than the 3-byte header`);
  const depth = input.readUInt16BE(0);
  const terminal = input[2];
  if (depth > PATH_BITS) fail(`proof too long: depth ${depth} exceeds ${PATH_BITS}`);
  if (terminal !== TERMINAL_EMPTY && terminal !== TERMINAL_LEAF) fail(`unknown terminal type ${terminal}`);

  const bitmapEnd = 3 + bitmapLength(depth);
  if (input.length < bitmapEnd) fail('truncated in the empty bitmap');
  const emptyBitmap = Buffer.from(input.subarray(3, bitmapEnd));
  if (!paddingIsZero(emptyBitmap, depth)) fail('empty bitmap has non-zero padding bits');

  const siblingCount = depth - countSetBits(emptyBitmap);
  const siblingsEnd = bitmapEnd + siblingCount * DIGEST_LENGTH;
  const expectedLength = siblingsEnd + (terminal === TERMINAL_LEAF ? LEAF_LENGTH : 0);
  if (input.length < expectedLength) fail(`truncated: ${input.length} bytes, expected ${expectedLength}`);
  if (input.length > expectedLength) fail(`${input.length - expectedLength} trailing bytes`);

  const siblings = Buffer.from(input.subarray(bitmapEnd, siblingsEnd));
  let leaf: MapLeaf | null = null;
  if (terminal === TERMINAL_LEAF) {
    const logIndex = readU64BE(input, siblingsEnd + DIGEST_LENGTH);
    if (logIndex === undefined) fail('leaf log index exceeds 2^53-1');
    leaf = {
      path: Buffer.from(input.subarray(siblingsEnd, siblingsEnd + DIGEST_LENGTH)),
      logIndex: logIndex!,
      valueDigest: Buffer.from(input.subarray(siblingsEnd + DIGEST_LENGTH + 8, expectedLength)),
    };
  }
  return { depth, emptyBitmap, siblings, leaf };
}
