import type { Logger } from 'pino';
import { packHashes } from '../../crypto/hash-list.js';
import { TallyError, InvalidArgumentError } from '../../errors.js';
import type { PublishedLogs } from '../../publisher/published-log.js';
import type { KeyLookup, LogServiceServer } from '../gen/tally/v1/log.js';
import type { LookupResult } from '../../store/log-store.js';
import { MAX_ENTRIES_PER_CALL, MAX_LOOKUP_KEYS_PER_CALL } from '../limits.js';
import { unary, type Implementation } from './unary.js';
import { checkKey } from '../../entry/entry.js';
import { checkLogSelector } from './validate.js';

/** LogService: heads, entries, proofs and lookups of the logs this node publishes. Read-only. */
export function createLogService(logs: PublishedLogs, logger: Logger): Implementation<LogServiceServer> {
  const resolve = (logId: string) => {
    if (logId !== '') checkLogSelector(logId);
    return logs.get(logId);
  };

  return {
    // Checkpoints are answered as served everywhere: with the witnesses' cosignatures of them.
    getHead: unary('GetHead', logger, ({ logId }) => {
      const { store, cosignatures } = resolve(logId);
      return { checkpoint: cosignatures.withCosignatures(store.getHead().note) };
    }),

    getEntries: unary('GetEntries', logger, async ({ logId, start, end }) => {
      const { store } = resolve(logId);
      if (end <= start)
        throw new InvalidArgumentError(`GetEntries: end ${end} must be greater than start ${start}`);
      if (start >= store.size) {
        throw new TallyError(
          'OUT_OF_RANGE',
          `GetEntries: start ${start} is past the end of the log (size ${store.size})`,
        );
      }
      // Like CT's get-entries, a long range is answered in part; the caller continues from the last index.
      const bounded = Math.min(end, start + MAX_ENTRIES_PER_CALL, store.size);
      return { entries: await store.getEntries(start, bounded) };
    }),

    getInclusionProof: unary('GetInclusionProof', logger, ({ logId, index, size }) => {
      const { store } = resolve(logId);
      if (size === 0) throw new InvalidArgumentError('GetInclusionProof: size must be at least 1');
      if (index >= size)
        throw new TallyError('OUT_OF_RANGE', `GetInclusionProof: index ${index} is not below size ${size}`);
      const { leafHash, proof } = store.inclusionProof(index, size);
      return { leafHash, proof: packHashes(proof) };
    }),

    getConsistencyProof: unary('GetConsistencyProof', logger, ({ logId, fromSize, toSize }) => {
      const { store } = resolve(logId);
      if (fromSize === 0) throw new InvalidArgumentError('GetConsistencyProof: from_size must be at least 1');
      if (fromSize > toSize) {
        throw new InvalidArgumentError(
          `GetConsistencyProof: from_size ${fromSize} is greater than to_size ${toSize}`,
        );
      }
      return { proof: packHashes(store.consistencyProof(fromSize, toSize)) };
    }),

    lookup: unary('Lookup', logger, async ({ logId, key }) => {
      const { store, cosignatures } = resolve(logId);
      checkKey(key, 'Lookup: key');
      const [found] = await store.lookupMany([key]);
      return { checkpoint: cosignatures.withCosignatures(found!.head.note), ...keyLookupOf(found!) };
    }),

    lookupMany: unary('LookupMany', logger, async ({ logId, keys, omitValue }) => {
      const { store, cosignatures } = resolve(logId);
      if (keys.length === 0 || keys.length > MAX_LOOKUP_KEYS_PER_CALL) {
        throw new InvalidArgumentError(
          `LookupMany: ${keys.length} keys; a call asks for 1..${MAX_LOOKUP_KEYS_PER_CALL} keys`,
        );
      }
      keys.forEach((key, i) => checkKey(key, `LookupMany: keys[${i}]`));
      if (omitValue.length !== 0 && omitValue.length !== keys.length) {
        throw new InvalidArgumentError(
          `LookupMany: ${omitValue.length} omit_value flags for ${keys.length} keys; give one per key or none`,
        );
      }
      const results = await store.lookupMany(keys, omitValue);
      return {
        checkpoint: cosignatures.withCosignatures(results[0]!.head.note),
        answers: results.map(keyLookupOf),
      };
    }),
  };
}

/** One key's answer on the wire; LookupResponse is this plus the checkpoint. */
function keyLookupOf(found: LookupResult): KeyLookup {
  const { mapProof } = found;
  return {
    mapProof: {
      depth: mapProof.depth,
      emptyBitmap: mapProof.emptyBitmap,
      siblings: mapProof.siblings,
      leaf: mapProof.leaf ?? undefined,
    },
    found: found.entry !== undefined,
    entry: found.entry,
    value: found.value ?? Buffer.alloc(0),
    inclusionProof: packHashes(found.inclusionProof ?? []),
  };
}
