// [publish.static] with a real daemon: after every checkpoint the directory holds the same bytes
// the daemon's HTTP read API serves, at the same paths under logs/<log id>/; and a daemon killed
// with SIGKILL in the middle of publishing leaves a copy a reader can trust, which the restarted
// daemon completes.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyCheckpoint } from '../../src/checkpoint/checkpoint.js';
import { parsePublicKey } from '../../src/crypto/ed25519-keys.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { tilePath, tilesOfTree } from '../../src/tiles/index.js';
import { startDaemonProcess, testConfig, type DaemonProcess } from '../helpers/daemon.js';
import { expectedStaticFiles, filesUnder } from '../helpers/static-files.js';
import { pollUntil } from '../helpers/poll.js';
import { tempDir } from '../helpers/tmp.js';

const entry = (n: number) => ({
  key: sha256(Buffer.from(`static publish ${n}`)).subarray(0, 20),
  value: Buffer.from(`value of ${n}`),
});
const entries = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => entry(from + i));

const staticConfig = (dir: string) =>
  testConfig(`metrics_listen = "127.0.0.1:0"\n[publish.static]\ndir = ${JSON.stringify(dir)}\n`);

/** Submits one batch per count; returns the size after each. */
async function submitBatches(daemon: DaemonProcess, counts: number[], from = 0): Promise<number[]> {
  const admin = daemon.adminClient();
  const sizes: number[] = [];
  let size = from;
  for (const count of counts) {
    const { results } = await admin.submit({ logId: '', entries: entries(size, size + count) });
    expect(results).toHaveLength(count);
    size += count;
    sizes.push(size);
  }
  return sizes;
}

async function logInfo(daemon: DaemonProcess) {
  const [info] = (await daemon.publicClient().listLogs({})).logs;
  return { id: info!.logId, publicKey: parsePublicKey(info!.publicKey) };
}

const readCheckpoint = (root: string) => {
  try {
    return fs.readFileSync(path.join(root, 'checkpoint'), 'utf8');
  } catch {
    return undefined;
  }
};

describe('[publish.static]', () => {
  it('writes, after each checkpoint, the bytes the daemon serves, and shows the copy in metrics', async () => {
    const dir = path.join(tempDir(), 'www');
    const daemon = await startDaemonProcess({
      stateDir: path.join(tempDir(), 'state'),
      config: staticConfig(dir),
    });
    const { id } = await logInfo(daemon);
    const root = path.join(dir, 'logs', id);
    const served = async (file: string) => {
      const res = await fetch(`http://${daemon.http}/logs/${id}/${file}`);
      expect(res.status, file).toBe(200);
      return Buffer.from(await res.arrayBuffer());
    };
    const sizes = [0];
    for (const count of [3, 300, 1, 250]) {
      sizes.push(...(await submitBatches(daemon, [count], sizes.at(-1))));
      const note = (await served('checkpoint')).toString();
      await pollUntil(`the static checkpoint at ${sizes.at(-1)}`, () => readCheckpoint(root) === note, {
        intervalMs: 20,
      });
      const files = filesUnder(root);
      expect([...files.keys()].sort()).toEqual(
        [...expectedStaticFiles(entries(0, sizes.at(-1)!), sizes, note).keys()].sort(),
      );
      for (const [file, bytes] of files) expect((await served(file)).equals(bytes), file).toBe(true);
    }
    await pollUntil(
      'the size in metrics',
      async () => {
        const text = await (await fetch(`http://${daemon.metrics}/metrics`)).text();
        return text.includes(`tally_static_copy_size{target="static"} ${sizes.at(-1)}`);
      },
      { intervalMs: 20 },
    );
    const metrics = await (await fetch(`http://${daemon.metrics}/metrics`)).text();
    expect(metrics).toContain('tally_static_copy_failing{target="static"} 0');
    expect(await daemon.stop()).toBe(0);
  });

  it('a daemon killed while publishing leaves a consistent copy, completed on restart, no temp files left', async () => {
    const stateDir = path.join(tempDir(), 'state');
    const dir = path.join(tempDir(), 'www');
    // A log of many checkpoints, published before the static copy existed...
    const first = await startDaemonProcess({ stateDir, config: testConfig() });
    const { id, publicKey } = await logInfo(first);
    const counts = Array.from({ length: 700 }, (_, i) => 1 + (i % 3));
    const sizes = [0, ...(await submitBatches(first, counts))];
    const final = sizes.at(-1)!;
    expect(await first.stop()).toBe(0);

    // ...so the copy's catch-up writes thousands of files; SIGKILL as soon as its first step is in.
    const root = path.join(dir, 'logs', id);
    const second = await startDaemonProcess({ stateDir, config: staticConfig(dir) });
    await pollUntil('the first step of the catch-up', () => readCheckpoint(root) !== undefined, {
      intervalMs: 20,
    });
    await second.kill();
    const atKill = verifyCheckpoint(readCheckpoint(root)!, publicKey);
    expect(atKill.size, 'killed before the catch-up finished').toBeLessThan(final);
    // What a reader sees at that moment: a checkpoint whose every tile is there.
    for (const tile of tilesOfTree(atKill.size))
      expect(fs.existsSync(path.join(root, tilePath(tile)))).toBe(true);

    const third = await startDaemonProcess({ stateDir, config: staticConfig(dir) });
    const note = await (await fetch(`http://${third.http}/logs/${id}/checkpoint`)).text();
    expect(verifyCheckpoint(note, publicKey).size).toBe(final);
    await pollUntil('the completed copy', () => readCheckpoint(root) === note, {
      timeoutMs: 120_000,
      intervalMs: 20,
    });
    const files = filesUnder(root);
    const expected = expectedStaticFiles(entries(0, final), sizes, note);
    expect([...files.keys()].filter((f) => !expected.has(f))).toEqual([]); // no .tmp, nothing extra
    expect([...expected.keys()].filter((f) => !files.has(f))).toEqual([]);
    for (const [file, bytes] of expected) expect(files.get(file)!.equals(bytes), file).toBe(true);
    expect(await third.stop()).toBe(0);
  }, 300_000);
});
