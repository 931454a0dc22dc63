/** C2SP tlog-tiles: tile math, resource paths, tile hashes, bundles. Pure, no I/O. */
export * from './tile-id.js';
export * from './tile-path.js';
export * from './tile-hashes.js';
export * from './tile-edge.js';
export * from './bundle.js';
export * from './tile-tree.js';
export * from './added-resources.js';
