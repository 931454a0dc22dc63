/**
 * A 1 GiB NAR through a real `tally daemon` proxy (HTTP all the way, verification on), served
 * uncompressed and as zstd (the proxy decompressing through a child process): the daemon's memory
 * stays flat, also while the client stops reading for a while, and the bytes arrive whole with
 * the decided hash.
 *
 * The upstream is a tiny HTTP server that generates the NAR (one regular file) as it streams
 * (through `zstd -1` for the zstd case), so nothing of that size touches the disk; its narinfo
 * and the published log entry carry the NAR's real NarHash and NarSize, computed here beforehand.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../src/crypto/sha256.js';
import { encodeNixValue } from '../../src/nix/canonical-value.js';
import { formatNarHash, narHashNix32 } from '../../src/nix/nar-hash.js';
import { printNarinfo } from '../../src/nix/narinfo.js';
import { hashPartOfKey } from '../../src/nix/store-path.js';
import { startPublisher, type Publisher } from '../follower/cluster.js';
import { startDaemonProcess, type DaemonProcess } from '../helpers/daemon.js';
import { pollUntil } from '../helpers/poll.js';
import { tempDir } from '../helpers/tmp.js';

const MiB = 1024 * 1024;
const FILE_BYTES = 1024 * MiB;
const BLOCK_BYTES = MiB;
/** How much the proxy daemon's resident memory may grow while it streams the NAR. */
const MAX_GROWTH_BYTES = 150 * MiB;

/** A NAR string: 64-bit little-endian length, bytes, zero padding to a multiple of 8. */
function narString(text: string): Buffer {
  const bytes = Buffer.from(text);
  const out = Buffer.alloc(8 + Math.ceil(bytes.length / 8) * 8);
  out.writeBigUInt64LE(BigInt(bytes.length));
  bytes.copy(out, 8);
  return out;
}

/** The NAR of one regular (non-executable) file of FILE_BYTES (a multiple of 8: no padding). */
const narHead = Buffer.concat([
  ...['nix-archive-1', '(', 'type', 'regular', 'contents'].map(narString),
  Buffer.from(new BigUint64Array([BigInt(FILE_BYTES)]).buffer),
]);
const narTail = narString(')');
const NAR_SIZE = narHead.length + FILE_BYTES + narTail.length;

/** The NAR as a stream of ~1 MiB chunks: every block of the file differs in its first bytes. */
function narStream(): Readable {
  const base = createHash('sha512').update('tally large NAR').digest();
  const block = Buffer.alloc(BLOCK_BYTES);
  for (let i = 0; i < BLOCK_BYTES; i += base.length) base.copy(block, i);
  let next = -1;
  return new Readable({
    read() {
      if (next === -1) this.push(narHead);
      else if (next < FILE_BYTES / BLOCK_BYTES) {
        const chunk = Buffer.from(block);
        chunk.writeUInt32LE(next, 0);
        this.push(chunk);
      } else if (next === FILE_BYTES / BLOCK_BYTES) this.push(narTail);
      else this.push(null);
      next++;
    },
  });
}

async function digestOf(stream: Readable): Promise<{ digest: Buffer; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { digest: hash.digest(), size };
}

function rssBytes(pid: number): number {
  const line = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!line) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(line[1]) * 1024;
}

/** The NAR as the upstream sends it, in `compression`. */
function upstreamBody(compression: 'none' | 'zstd', res: http.ServerResponse): void {
  if (compression === 'none') {
    res.writeHead(200, { 'content-length': NAR_SIZE });
    narStream().pipe(res);
    return;
  }
  const zstd = spawn('zstd', ['-1', '-c', '-q'], { stdio: ['pipe', 'pipe', 'inherit'] });
  res.on('close', () => zstd.kill('SIGKILL'));
  zstd.stdin.on('error', () => undefined);
  res.writeHead(200);
  narStream().pipe(zstd.stdin);
  zstd.stdout.pipe(res);
}

describe.each(['none', 'zstd'] as const)('a 1 GiB NAR (%s) through the proxy daemon', (compression) => {
  const root = tempDir('tally-large-nar-');
  const hashPart = hashPartOfKey(sha256(Buffer.from('tally large NAR test')).subarray(0, 20));
  const storePath = `/nix/store/${hashPart}-tally-large-nar`;
  let narHash: string;
  let upstream: http.Server;
  let publisher: Publisher;
  let proxy: DaemonProcess;

  beforeAll(async () => {
    const { digest, size } = await digestOf(narStream());
    expect(size).toBe(NAR_SIZE);
    narHash = formatNarHash(digest);
    const narUrl = `nar/${narHashNix32(narHash)}.nar${compression === 'zstd' ? '.zst' : ''}`;
    const narinfo = printNarinfo({
      storePath,
      url: narUrl,
      compression,
      narHash,
      narSize: NAR_SIZE,
      references: [],
      sigs: [],
      unknown: [],
    });
    upstream = http.createServer((req, res) => {
      if (req.url === `/${hashPart}.narinfo`) {
        res.writeHead(200, { 'content-type': 'text/x-nix-narinfo' }).end(narinfo);
      } else if (req.url === `/${narUrl}`) {
        upstreamBody(compression, res);
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

    publisher = await startPublisher(root, 'builder');
    await publisher.daemon.adminClient().submit({
      logId: '',
      entries: [
        {
          key: sha256(Buffer.from('tally large NAR test')).subarray(0, 20),
          value: encodeNixValue({ storePath, narHash, narSize: NAR_SIZE, references: [] }),
        },
      ],
    });
    proxy = await startDaemonProcess({
      stateDir: path.join(root, 'proxy'),
      config:
        'log_level = "info"\n[api]\nlisten = ""\nhttp_listen = ""\n[cache]\nlisten = "127.0.0.1:0"\n[publish]\nenabled = false\n' +
        '[decide]\ncache_ttl_seconds = 0\n' +
        // One builder: the default policy wants two agreeing logs.
        '[[policy]]\nname = "trust-builder"\nfile = "builtin:name-match"\n[policy.params]\nname = "builder"\n' +
        `[[follow]]\nname = "builder"\npublic_key = "${publisher.publicKey}"\naddress = "${publisher.address}"\n` +
        `poll_interval_seconds = 1\n[follow.meta]\nupstream = "${upstreamUrl}"\n`,
    });
  }, 120_000);

  afterAll(async () => {
    await Promise.all([proxy?.stop(), publisher?.daemon.stop()]);
    upstream?.closeAllConnections();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  it('keeps the daemon memory flat, pauses with the client and delivers the decided bytes', async () => {
    const base = `http://${proxy.cache}`;
    // The follower sees the builder's head within a poll interval; until then nothing is decided.
    const narinfo = await pollUntil('the narinfo to be decided', async () => {
      const response = await fetch(`${base}/${hashPart}.narinfo`);
      return response.status === 200 && (await response.text());
    });
    expect(narinfo).toContain(`NarHash: ${narHash}\n`);
    const narPath = /^URL: (.*)$/m.exec(narinfo)![1]!;

    const pid = proxy.proc.pid!;
    const baseline = rssBytes(pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 20);
    try {
      const response = await new Promise<http.IncomingMessage>((resolve, reject) =>
        http.get(`${base}/${narPath}`, resolve).on('error', reject),
      );
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-length']).toBe(String(NAR_SIZE));
      // Stop reading for a while after a quarter: a proxy that kept pulling from the (fast)
      // upstream instead of waiting for its client would buffer it all.
      const hash = createHash('sha256');
      let received = 0;
      let paused = false;
      await new Promise<void>((resolve, reject) => {
        response.on('data', (chunk: Buffer) => {
          hash.update(chunk);
          received += chunk.length;
          if (!paused && received >= NAR_SIZE / 4) {
            paused = true;
            response.pause();
            setTimeout(() => response.resume(), 1500);
          }
        });
        response.on('end', resolve);
        response.on('error', reject);
      });
      expect(paused).toBe(true);
      expect(received).toBe(NAR_SIZE);
      expect(formatNarHash(hash.digest())).toBe(narHash);
    } finally {
      clearInterval(sampler);
    }
    const growth = `RSS ${(baseline / MiB).toFixed(0)} MiB before, peak ${(peak / MiB).toFixed(0)} MiB`;
    expect(peak - baseline, growth).toBeLessThan(MAX_GROWTH_BYTES);
  }, 120_000);
});
