/** The sparse Merkle tree ("the map"): key -> (log index, value digest); see docs/PROTOCOL.md, "The map". */
export type { MapInsert, MapLeaf, MapNodeSource, MapProof, MapValue, MapWrite } from './types.js';
export { mapLeafHash, mapNodeHash } from './hash.js';
export { mapPath } from './path.js';
export { positionKey, positionKeysAlong } from './position.js';
export { decodeRecord, encodeLeafRecord, encodeNodeRecord } from './record.js';
export { mapGet, mapRoot } from './read.js';
export { mapInsertBatch } from './insert.js';
export { buildMapProof, buildMapProofAt } from './proof.js';
export { verifyMapProof, verifyMapProofAt } from './verify.js';
export { decodeMapProof, encodeMapProof } from './proof-codec.js';
