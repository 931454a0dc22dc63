// `tally verify tiles` against a real daemon's HTTP read API, and against real HTTP(S) servers in
// front of it that lie in every way a tiles server can: each lie exits 1 (or 3 for a server too
// slow to answer) with a message naming the resource's URL.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCheckpoint } from '../../src/checkpoint/checkpoint.js';
import { parsePublicKey } from '../../src/crypto/ed25519-keys.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { hashLeaf, encodeLeaf } from '../../src/log/index.js';
import { tileBytesFromLeafHashes } from '../../src/tiles/index.js';
import { runCli, startDaemonProcess, testConfig, type DaemonProcess } from '../helpers/daemon.js';
import { makeTestCa, type TestCa } from '../helpers/test-ca.js';
import { tempDir } from '../helpers/tmp.js';

const keyOf = (n: number) => sha256(Buffer.from(`verify-tiles ${n}`)).subarray(0, 20);
const valueOf = (n: number) => Buffer.from(`StorePath: /nix/store/${n}-hello\nNarSize: ${n}\n`);
const SIZE = 600;

/** GET from the daemon, no gzip: the bytes as stored. */
function getRaw(url: string): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

const flip = (at: number) => (b: Buffer) => {
  const copy = Buffer.from(b);
  copy[at]! ^= 1;
  return copy;
};

// A level-0 tile of another log: right length, wrong tree.
const otherTile = tileBytesFromLeafHashes(
  Array.from({ length: 256 }, (_, n) => hashLeaf(encodeLeaf(keyOf(n + 1_000_000), sha256(valueOf(n))))),
).get('0/0/256')!;

/** Lies a server tells, by the first path segment: which resource, and how. */
const lies: Record<
  string,
  { path: string; change?: (body: Buffer) => Buffer; behave?: (res: http.ServerResponse) => void }
> = {
  flip: { path: 'tile/0/000', change: flip(77) },
  short: { path: 'tile/0/001', change: (b) => b.subarray(0, b.length - 32) },
  long: { path: 'tile/1/000.p/2', change: (b) => Buffer.concat([b, b.subarray(0, 32)]) },
  other: { path: 'tile/0/000', change: () => otherTile },
  truncated: { path: 'tile/entries/000', change: (b) => b.subarray(0, b.length - 3) },
  trailing: { path: 'tile/entries/002.p/88', change: (b) => Buffer.concat([b, Buffer.from([0, 1, 9])]) },
  entry: { path: 'tile/entries/000', change: flip(2 + 55 * 5 + 3) },
  value: {
    path: 'tally/values/000',
    change: flip([0, 1, 2, 3, 4].reduce((at, n) => at + 4 + valueOf(n).length, 0) + 4 + 3),
  },
  forged: {
    path: 'checkpoint',
    change: (b) => Buffer.from(b.toString().replace(`\n${SIZE}\n`, `\n${SIZE - 1}\n`)),
  },
  drip: {
    path: 'tile/0/000',
    behave: (res) => {
      res.setHeader('content-length', '8192');
      const timer = setInterval(() => res.write('x'), 100);
      res.on('close', () => clearInterval(timer));
    },
  },
  endless: {
    path: 'tile/0/001',
    behave: (res) => {
      const chunk = Buffer.alloc(4096, 1);
      const more = () => {
        while (res.write(chunk));
      };
      res.on('drain', more);
      more();
    },
  },
};

describe('tally verify tiles', () => {
  let daemon: DaemonProcess;
  let logUrl: string;
  let logKey: string;
  let older: { size: number; root: string };
  let firstFullTile: Buffer;
  let proxy: http.Server;
  let tlsProxy: https.Server;
  let proxyBase: string;
  let tlsBase: string;
  let ca: TestCa;

  // Forwards /<lie>/<resource> to the daemon's log, telling the lie named by the first segment.
  const forward = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const [, mode, ...rest] = req.url!.split('/');
    const resource = rest.join('/');
    const lie = lies[mode!];
    if (lie?.path === resource && lie.behave) return lie.behave(res);
    const upstream = await getRaw(logUrl + resource);
    res.statusCode = upstream.status;
    res.end(lie?.path === resource && lie.change ? lie.change(upstream.body) : upstream.body);
  };

  const listen = (server: http.Server | https.Server) =>
    new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
    );

  beforeAll(async () => {
    daemon = await startDaemonProcess({ stateDir: path.join(tempDir(), 'state'), config: testConfig() });
    const entries = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => ({ key: keyOf(from + i), value: valueOf(from + i) }));
    const [info] = (await daemon.publicClient().listLogs({})).logs;
    logUrl = info!.tilesUrl;
    logKey = info!.publicKey;
    await daemon.adminClient().submit({ logId: '', entries: entries(0, 300) });
    const first = verifyCheckpoint((await getRaw(logUrl + 'checkpoint')).body, parsePublicKey(logKey));
    older = { size: first.size, root: first.logRoot.toString('base64') };
    firstFullTile = (await getRaw(logUrl + 'tile/0/000')).body;
    await daemon.adminClient().submit({ logId: '', entries: entries(300, SIZE) });
    ca = makeTestCa();
    proxy = http.createServer((req, res) => void forward(req, res));
    tlsProxy = https.createServer({ key: ca.key, cert: ca.cert }, (req, res) => void forward(req, res));
    proxyBase = `http://127.0.0.1:${await listen(proxy)}`;
    tlsBase = `https://127.0.0.1:${await listen(tlsProxy)}`;
  });
  afterAll(async () => {
    for (const server of [proxy, tlsProxy]) {
      server.closeAllConnections();
      server.close();
    }
    expect(await daemon.stop()).toBe(0);
  });

  const verifyTiles = (url: string, ...args: string[]) =>
    runCli(['verify', 'tiles', url, '--key', logKey, '--timeout', '1500', ...args]);

  it("verifies the daemon's log, consistency with an older tree, and entries with their values", async () => {
    const { code, stdout, stderr } = await verifyTiles(
      logUrl,
      '--from',
      `${older.size}:${older.root}`,
      '--entry',
      '5',
      '599',
      '--json',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const out = JSON.parse(stdout);
    expect(out).toMatchObject({
      ok: true,
      size: SIZE,
      url: logUrl,
      consistentWith: `${older.size}:${older.root}`,
    });
    expect(out.entries).toEqual(
      [5, 599].map((n) => ({
        index: n,
        key: keyOf(n).toString('hex'),
        valueDigest: sha256(valueOf(n)).toString('hex'),
        leafHash: hashLeaf(encodeLeaf(keyOf(n), sha256(valueOf(n)))).toString('hex'),
        value: valueOf(n).toString('base64'),
      })),
    );
    // Only what it needs: the checkpoint, the right edge, the two entries' tiles and bundles, and
    // for the size-300 tree the tiles its proof reads (all already fetched).
    expect([...out.fetched].sort()).toEqual(
      [
        'checkpoint',
        'tally/values/000',
        'tally/values/002.p/88',
        'tile/0/000',
        'tile/0/001',
        'tile/0/002.p/88',
        'tile/1/000.p/2',
        'tile/entries/000',
        'tile/entries/002.p/88',
      ].sort(),
    );
  });

  it('serves a full tile with the same bytes after the log grew', async () => {
    const later = await getRaw(logUrl + 'tile/0/000');
    expect(later.status).toBe(200);
    expect(firstFullTile.length).toBe(8192);
    expect(later.body.equals(firstFullTile)).toBe(true);
  });

  it('prints what it verified for people', async () => {
    const { code, stdout } = await verifyTiles(logUrl, '--entry', '7');
    expect(code).toBe(0);
    expect(stdout).toContain(`tiles verified: ${logUrl}\n`);
    expect(stdout).toContain(`size:     ${SIZE}\n`);
    expect(stdout).toContain(
      `entry 7: key ${keyOf(7).toString('hex')}\n  value digest ${sha256(valueOf(7)).toString('hex')}\n  StorePath: /nix/store/7-hello\n  NarSize: 7\n`,
    );
  });

  it('refuses an older tree the log does not extend, and arguments that are wrong', async () => {
    const wrong = await verifyTiles(
      logUrl,
      '--from',
      `${older.size}:${Buffer.alloc(32, 1).toString('base64')}`,
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^tally: the tree of size 600 is not consistent with 300:AQEB/);
    const bigger = await verifyTiles(logUrl, '--from', `${SIZE + 1}:${older.root}`);
    expect(bigger.code).toBe(1);
    const past = await verifyTiles(logUrl, '--entry', String(SIZE));
    expect([past.code, past.stderr]).toEqual([
      2,
      `tally: --entry ${SIZE} is not in the log (size ${SIZE})\n`,
    ]);
    const badFrom = await verifyTiles(logUrl, '--from', '12');
    expect(badFrom.code).toBe(2);
  });

  it('reads the same log through an honest proxy', async () => {
    const { code, stderr } = await verifyTiles(`${proxyBase}/honest/`, '--entry', '5', '599');
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  const expected: Record<string, [number, RegExp]> = {
    flip: [1, /tile\/0\/000: hashes to [0-9a-f]{64}, but hash 0 of .*tile\/1\/000\.p\/2 is/],
    short: [1, /tile\/0\/001: 8160 bytes, but a tile of width 256 is 8192/],
    long: [1, /tile\/1\/000\.p\/2: 96 bytes, but a tile of width 2 is 64/],
    other: [1, /tile\/0\/000: hashes to .* but hash 0 of/],
    truncated: [1, /tile\/entries\/000: entry 255 is 53 bytes but only 50 remain/],
    trailing: [1, /tile\/entries\/002\.p\/88: 3 trailing bytes after 88 entries/],
    entry: [1, /tile\/entries\/000: entry 5 \(leaf 5\) does not hash to hash 5 of .*tile\/0\/000/],
    value: [1, /tally\/values\/000: value 5 \(leaf 5\) does not hash to the value digest/],
    forged: [1, /checkpoint: .*signature/],
    drip: [3, /tile\/0\/000: no complete answer within 1500 ms/],
    endless: [1, /tile\/0\/001: sent more than the 8192 bytes it may have/],
  };
  for (const [lie, [exit, message]] of Object.entries(expected)) {
    it(`rejects a server that lies (${lie}), naming the resource's URL`, async () => {
      const url = `${proxyBase}/${lie}/`;
      const { code, stderr } = await verifyTiles(url, '--entry', '5', '256', '599');
      expect(stderr).toMatch(message);
      expect(stderr).toMatch(new RegExp(`^tally: .*${url}${lies[lie]!.path.replace(/\./g, '\\.')}[:,]`));
      expect(code).toBe(exit);
    });
  }

  describe('over HTTPS', () => {
    const env = (vars: Record<string, string | undefined>) => {
      const out = { ...process.env, ...vars };
      for (const [k, v] of Object.entries(vars)) if (v === undefined) delete out[k];
      return out;
    };
    const run = (vars: Record<string, string | undefined>) =>
      runCli(['verify', 'tiles', `${tlsBase}/honest/`, '--key', logKey, '--entry', '3'], { env: env(vars) });

    it('trusts a CA in the system store (SSL_CERT_FILE), or added by NODE_EXTRA_CA_CERTS', async () => {
      const system = await run({ SSL_CERT_FILE: ca.caFile, NODE_EXTRA_CA_CERTS: undefined });
      expect(system.stderr).toBe('');
      expect(system.code).toBe(0);
      const extra = await run({ SSL_CERT_FILE: undefined, NODE_EXTRA_CA_CERTS: ca.caFile });
      expect(extra.stderr).toBe('');
      expect(extra.code).toBe(0);
    });

    it('refuses a server whose CA the system does not trust, as unavailable', async () => {
      const { code, stderr } = await run({ SSL_CERT_FILE: undefined, NODE_EXTRA_CA_CERTS: undefined });
      expect(stderr).toMatch(new RegExp(`^tally: ${tlsBase}/honest/checkpoint: .*(certificate|issuer)`, 'i'));
      expect(code).toBe(3);
    });
  });
});
