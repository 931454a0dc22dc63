// StaticCopy with a real LogStore and a real directory: what it writes must be exactly what the
// log serves (computed naively here), in the order that keeps readers safe, and a failing or hung
// target must never hold up or fail a submission.
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyCheckpoint } from '../../src/checkpoint/checkpoint.js';
import { generateSecretKey, publicKeyOf } from '../../src/crypto/ed25519-keys.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { DirectoryTarget } from '../../src/publisher/directory-target.js';
import { GroupCommitPublisher } from '../../src/publisher/group-commit.js';
import type { ResourceBytes } from '../../src/publisher/log-resources.js';
import { StaticCopy } from '../../src/publisher/static-copy.js';
import type { StaticTarget } from '../../src/publisher/static-target.js';
import { LogStore } from '../../src/store/log-store.js';
import { parseLogResourcePath, tilesOfTree, tilePath } from '../../src/tiles/index.js';
import { expectedStaticFiles, filesUnder } from '../helpers/static-files.js';
import { pollUntil } from '../helpers/poll.js';
import { tempDir } from '../helpers/tmp.js';

const origin = 'tally.test/static-copy';
const key = generateSecretKey('static-copy-test');
const log = { publicKey: publicKeyOf(key), origin };
const logger = pino({ level: 'silent' });
const entry = (n: number) => ({
  key: sha256(Buffer.from(`static ${n}`)).subarray(0, 20),
  value: Buffer.from(`value ${n} `.repeat(1 + (n % 5))),
});
const entries = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => entry(from + i));

const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

async function openStore(dir = path.join(tempDir(), 'log')): Promise<LogStore> {
  const store = await LogStore.open(dir, { key, origin });
  closing.push(() => store.close());
  return store;
}

function startCopy(store: LogStore, target: StaticTarget): StaticCopy {
  const copy = new StaticCopy(store, target, log, logger);
  closing.push(() => copy.stop());
  copy.notify();
  return copy;
}

/** Commits `batches` (sizes of successive batches) through a publisher that notifies `copy`. */
async function commitBatches(store: LogStore, batches: number[], copy?: StaticCopy): Promise<number[]> {
  const publisher = new GroupCommitPublisher(
    store,
    { maxBatchEntries: 100_000, maxBatchDelayMs: 0 },
    logger,
    () => copy?.notify(),
  );
  const sizes: number[] = [];
  for (const count of batches) {
    const { head } = await publisher.submit(entries(store.size, store.size + count));
    sizes.push(head.checkpoint.size);
  }
  return sizes;
}

const checkpointIn = (root: string) => {
  const file = path.join(root, 'checkpoint');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
};

function expectCopyOf(root: string, store: LogStore, signedSizes: number[]): void {
  const expected = expectedStaticFiles(entries(0, store.size), [0, ...signedSizes], store.getHead().note);
  const actual = filesUnder(root);
  expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
  for (const [file, bytes] of expected) expect(actual.get(file)!.equals(bytes), file).toBe(true);
}

/** Records what a directory target is asked to do, and checks each checkpoint against the disk. */
class CheckingTarget implements StaticTarget {
  readonly kind = 'static';
  readonly inner: DirectoryTarget;
  readonly writes: string[] = [];
  readonly problems: string[] = [];
  private unsynced = 0;

  constructor(readonly root: string) {
    this.inner = new DirectoryTarget(root);
  }
  get description() {
    return this.inner.description;
  }
  readCheckpoint() {
    return this.inner.readCheckpoint();
  }
  async write(file: string, bytes: ResourceBytes) {
    if (file === 'checkpoint') {
      if (this.unsynced > 0) this.problems.push(`checkpoint written with ${this.unsynced} writes not synced`);
      const size = verifyCheckpoint(bytes.body.toString(), log.publicKey, origin).size;
      for (const tile of tilesOfTree(size)) {
        if (!fs.existsSync(path.join(this.root, tilePath(tile))))
          this.problems.push(`checkpoint ${size} written before ${tilePath(tile)}`);
      }
    }
    this.writes.push(file);
    this.unsynced++;
    await this.inner.write(file, bytes);
  }
  async sync() {
    await this.inner.sync();
    this.unsynced = 0;
  }
}

describe('StaticCopy to a directory', () => {
  it('after every commit holds exactly the resources the log serves, each written once, checkpoint last', async () => {
    const store = await openStore();
    const root = path.join(tempDir(), 'static', 'logs', 'id');
    const target = new CheckingTarget(root);
    const copy = startCopy(store, target);
    const sizes: number[] = [];
    for (const batch of [1, 2, 250, 3, 256, 40, 1, 600]) {
      sizes.push(...(await commitBatches(store, [batch], copy)));
      await pollUntil(`the copy at size ${store.size}`, () => checkpointIn(root) === store.getHead().note, {
        intervalMs: 20,
      });
      expectCopyOf(root, store, sizes);
    }
    expect(target.problems).toEqual([]);
    const tiles = target.writes.filter((w) => w !== 'checkpoint');
    expect(new Set(tiles).size).toBe(tiles.length); // nothing rewritten: only new resources
    expect(target.writes.at(-1)).toBe('checkpoint');
    await pollUntil('the status', () => copy.status.size === store.size, { intervalMs: 20 }); // set once the checkpoint is synced
    expect(copy.status).toEqual({ kind: 'static', size: store.size, failing: false, failures: 0 });
    expect([...filesUnder(root).keys()].filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('catches up from the checkpoint the copy holds, writing only what is newer, every signed size included', async () => {
    const store = await openStore();
    const root = path.join(tempDir(), 'copy');
    const early = await commitBatches(store, [5, 300, 7]);
    const first = startCopy(store, new DirectoryTarget(root));
    await pollUntil('the first catch-up', () => checkpointIn(root) === store.getHead().note, {
      intervalMs: 20,
    });
    await first.stop();
    expectCopyOf(root, store, early);

    const later = await commitBatches(store, [1, 1, 200, 60, 9]);
    const target = new CheckingTarget(root);
    startCopy(store, target);
    await pollUntil('the second catch-up', () => checkpointIn(root) === store.getHead().note, {
      intervalMs: 20,
    });
    expectCopyOf(root, store, [...early, ...later]);
    expect(target.problems).toEqual([]);
    // Nothing the copy already held at size 312 is written again.
    const before = expectedStaticFiles(entries(0, 312), [0, ...early], '');
    expect(target.writes.filter((w) => w !== 'checkpoint' && before.has(w))).toEqual([]);
  });

  it('rewrites a copy whose checkpoint does not verify, and never overwrites one the log does not extend', async () => {
    const store = await openStore();
    const root = path.join(tempDir(), 'copy');
    fs.mkdirSync(root, { recursive: true });
    fs.writeFileSync(path.join(root, 'checkpoint'), 'not a checkpoint\n');
    await commitBatches(store, [10]);
    startCopy(store, new DirectoryTarget(root));
    await pollUntil('the rewritten copy', () => checkpointIn(root) === store.getHead().note, {
      intervalMs: 20,
    });
    expectCopyOf(root, store, [10]);

    // The same key's log, further along: a copy of it must not be rolled back by the shorter log.
    const longer = await openStore();
    await commitBatches(longer, [10, 5]);
    const ahead = path.join(tempDir(), 'ahead');
    fs.mkdirSync(ahead);
    fs.writeFileSync(path.join(ahead, 'checkpoint'), longer.getHead().note);
    const refused = startCopy(store, new DirectoryTarget(ahead));
    await pollUntil('the refusal', () => refused.status.failing, { intervalMs: 20 });
    expect(checkpointIn(ahead)).toBe(longer.getHead().note);
    expect(fs.readdirSync(ahead)).toEqual(['checkpoint']);
  });

  it('makes the copy readable by a web server running as another user, whatever the umask', async () => {
    const store = await openStore();
    const root = path.join(tempDir(), 'www', 'logs', 'id');
    const umask = process.umask(0o077);
    try {
      const copy = startCopy(store, new DirectoryTarget(root));
      await commitBatches(store, [300], copy);
      await pollUntil('the copy', () => checkpointIn(root) === store.getHead().note, { intervalMs: 20 });
    } finally {
      process.umask(umask);
    }
    const modes = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const full = path.join(dir, e.name);
        const mode = (fs.statSync(full).mode & 0o777).toString(8);
        return [`${e.isDirectory() ? 'dir' : 'file'} ${mode}`, ...(e.isDirectory() ? modes(full) : [])];
      });
    expect(new Set(modes(path.join(root, '..', '..')))).toEqual(new Set(['dir 755', 'file 644']));
  });

  it('a failing target is retried and never fails a submission; it recovers when the target does', async () => {
    const store = await openStore();
    const base = tempDir();
    // A file where the copy's directory should be: every write fails (as root, unlike chmod).
    fs.writeFileSync(path.join(base, 'logs'), 'in the way');
    const root = path.join(base, 'logs', 'id');
    const copy = startCopy(store, new DirectoryTarget(root));
    const sizes = await commitBatches(store, [3, 4], copy);
    expect(store.size).toBe(7);
    await pollUntil('the failure', () => copy.status.failing && copy.status.failures > 0, { intervalMs: 20 });
    fs.rmSync(path.join(base, 'logs'));
    // The checkpoint is the run's last write; the run counts as succeeded a moment after it.
    await pollUntil('the retry', () => checkpointIn(root) === store.getHead().note && !copy.status.failing, {
      timeoutMs: 15_000,
      intervalMs: 20,
    });
    expect(copy.status.failing).toBe(false);
    expectCopyOf(root, store, sizes);
  });

  it('a target that hangs holds up no submission', async () => {
    const store = await openStore();
    const written: string[] = [];
    const hung: StaticTarget = {
      kind: 'static',
      description: 'a target that never answers',
      readCheckpoint: () => Promise.resolve(undefined),
      write: (file) => {
        written.push(file);
        return new Promise(() => {});
      },
      sync: () => Promise.resolve(),
    };
    // Not stopped at the end: stop waits for the write in progress, which never ends.
    const copy = new StaticCopy(store, hung, log, logger);
    const sizes = await commitBatches(store, [5, 5, 5], copy);
    expect(sizes).toEqual([5, 10, 15]);
    expect(written.length).toBeGreaterThan(0);
    expect(written.every((file) => parseLogResourcePath(file) !== undefined)).toBe(true);
    expect(written).not.toContain('checkpoint');
  });
});
