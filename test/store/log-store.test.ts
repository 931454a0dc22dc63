import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSecretKey, publicKeyOf } from '../../src/crypto/ed25519-keys.js';
import { packHashes } from '../../src/crypto/hash-list.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { verifyConsistency, verifyInclusion, hashLeaf, encodeLeaf } from '../../src/log/index.js';
import { LogStore } from '../../src/store/log-store.js';
import { verifyLookupChain } from '../../src/verify/lookup-chain.js';
import { tempDir } from '../helpers/tmp.js';

const origin = 'tally.test/store';
const key = generateSecretKey('store-test');
const entry = (n: number) => ({
  key: sha256(Buffer.from(`k${n}`)).subarray(0, 20),
  value: Buffer.from(`v${n}`),
});

async function openFresh() {
  const dir = path.join(tempDir(), 'log');
  return { dir, store: await LogStore.open(dir, { key, origin }) };
}

describe('LogStore', () => {
  it('starts with a signed empty head', async () => {
    const { store } = await openFresh();
    expect(store.size).toBe(0);
    const answer = await store.lookup(entry(1).key);
    const verified = verifyLookupChain(
      { checkpointNote: answer.head.note, mapProof: answer.mapProof, found: false },
      entry(1).key,
      publicKeyOf(key),
      origin,
    );
    expect(verified.present).toBe(false);
    await store.close();
  });

  it('appends, keeps first write, reports conflicts and in-batch duplicates', async () => {
    const { store } = await openFresh();
    const first = await store.integrate([entry(0), entry(1), entry(0)]);
    expect(first.results.map((r) => r.status)).toEqual(['appended', 'appended', 'already_present']);
    expect(first.results[2]).toMatchObject({ index: 0 });
    expect(store.size).toBe(2);

    const conflicting = { key: entry(1).key, value: Buffer.from('something else') };
    const second = await store.integrate([conflicting, entry(1), entry(2)]);
    expect(second.results[0]).toMatchObject({ status: 'conflict', index: 1 });
    const conflict = second.results[0];
    if (conflict?.status !== 'conflict') throw new Error('expected a conflict');
    expect(conflict.existingDigest.equals(sha256(entry(1).value))).toBe(true);
    expect(second.results[1]).toMatchObject({ status: 'already_present', index: 1 });
    expect(second.results[2]).toMatchObject({ status: 'appended', index: 2 });
    expect(store.size).toBe(3);
    // The conflicting value never reached the store.
    expect(store.getValue(sha256(conflicting.value))).toBeUndefined();
    await store.close();
  });

  it('serves lookups, inclusion and consistency proofs that verify', async () => {
    const { store } = await openFresh();
    const heads = [];
    for (let b = 0; b < 10; b++) {
      const { head } = await store.integrate(Array.from({ length: 37 }, (_, i) => entry(b * 37 + i)));
      heads.push(head.checkpoint);
    }
    const size = store.size;
    for (const n of [0, 1, 36, 37, 200, size - 1]) {
      const e = entry(n);
      const answer = await store.lookup(e.key);
      const verified = verifyLookupChain(
        {
          checkpointNote: answer.head.note,
          mapProof: answer.mapProof,
          found: answer.entry !== undefined,
          entryIndex: answer.entry?.index,
          entryDigest: answer.entry?.valueDigest,
          value: answer.value,
          inclusionProof: answer.inclusionProof && packHashes(answer.inclusionProof),
        },
        e.key,
        publicKeyOf(key),
        origin,
      );
      expect(verified).toMatchObject({ present: true, index: n });
      const { leafHash, proof } = store.inclusionProof(n, size);
      expect(leafHash.equals(hashLeaf(encodeLeaf(e.key, sha256(e.value))))).toBe(true);
      verifyInclusion(leafHash, n, size, packHashes(proof), store.getHead().checkpoint.logRoot);
    }
    for (const old of heads) {
      verifyConsistency(
        old.size,
        size,
        old.logRoot,
        store.getHead().checkpoint.logRoot,
        packHashes(store.consistencyProof(old.size, size)),
      );
    }
    expect(() => store.inclusionProof(0, size + 1)).toThrow(/past the current head/);
    await expect(store.getEntries(size, size + 5)).rejects.toThrow(/past the end/);
    await store.close();
  });

  it('persists across reopen and refuses a second opener', async () => {
    const { dir, store } = await openFresh();
    await store.integrate([entry(1), entry(2)]);
    const note = store.getHead().note;
    await expect(LogStore.open(dir, { key, origin })).rejects.toThrow(/cannot open log store/);
    await store.close();
    const reopened = await LogStore.open(dir, { key, origin });
    expect(reopened.getHead().note).toBe(note);
    expect((await reopened.getEntries(0, 2)).map((e) => e.index)).toEqual([0, 1]);
    await reopened.close();
  });

  it('refuses to open a store under a different key', async () => {
    const { dir, store } = await openFresh();
    await store.integrate([entry(1)]);
    await store.close();
    await expect(LogStore.open(dir, { key: generateSecretKey('other'), origin })).rejects.toThrow();
  });
});
