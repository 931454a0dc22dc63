// The public HTTP read API of a real daemon: every log as C2SP tlog-tiles, plus the lookup
// endpoint. What it serves must equal the tiles computed from the leaves alone, and no request,
// however malformed, may get anything but a clean 400 or 404.
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupAnswersFromJson } from '../../src/api/lookup-json.js';
import { verifyCheckpoint } from '../../src/checkpoint/checkpoint.js';
import { parsePublicKey, type PublicKey } from '../../src/crypto/ed25519-keys.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { encodeLeaf, hashLeaf } from '../../src/log/index.js';
import {
  ENTRY_BUNDLE,
  VALUE_BUNDLE,
  encodeBundle,
  tileBytesFromLeafHashes,
  tileKey,
  tilePath,
  tilesOfTree,
} from '../../src/tiles/index.js';
import { verifyLookupChain } from '../../src/verify/lookup-chain.js';
import { startDaemonProcess, testConfig, type DaemonProcess } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';

const keyOf = (n: number) => sha256(Buffer.from(`http-tiles ${n}`)).subarray(0, 20);
const valueOf = (n: number) => Buffer.from(`value of ${n}`);
const leafOf = (n: number) => encodeLeaf(keyOf(n), sha256(valueOf(n)));

/** A raw GET or HEAD, the path sent exactly as given (fetch would normalise '..'). */
function request(address: string, urlPath: string, method = 'GET', headers: Record<string, string> = {}) {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>(
    (resolve, reject) => {
      const req = http.request({ host, port, path: urlPath, method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('HTTP read API (tlog-tiles)', () => {
  let daemon: DaemonProcess;
  let prefix: string;
  let logKey: PublicKey;
  const size = 303;

  beforeAll(async () => {
    daemon = await startDaemonProcess({ stateDir: path.join(tempDir(), 'state'), config: testConfig() });
    const entries = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => ({ key: keyOf(from + i), value: valueOf(from + i) }));
    await daemon.adminClient().submit({ logId: '', entries: entries(0, 300) });
    await daemon.adminClient().submit({ logId: '', entries: entries(300, size) });
    const [info] = (await daemon.publicClient().listLogs({})).logs;
    prefix = `/logs/${info!.logId}/`;
    logKey = parsePublicKey(info!.publicKey);
    expect(info!.tilesUrl).toBe(`http://${daemon.http}${prefix}`);
  });
  afterAll(async () => {
    expect(await daemon.stop()).toBe(0);
  });

  const get = (p: string, method = 'GET', headers: Record<string, string> = {}) =>
    request(daemon.http!, prefix + p, method, headers);

  it('serves the signed checkpoint, briefly cacheable', async () => {
    const res = await get('checkpoint');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=2');
    expect(verifyCheckpoint(res.body.toString(), logKey).size).toBe(size);
  });

  it('serves every tile, entry bundle and value bundle of the tree, immutable', async () => {
    const leaves = Array.from({ length: size }, (_, i) => leafOf(i));
    const expected = tileBytesFromLeafHashes(leaves.map(hashLeaf));
    for (const tile of tilesOfTree(size)) {
      const res = await get(tilePath(tile));
      expect(res.status, tilePath(tile)).toBe(200);
      expect(res.body.equals(expected.get(tileKey(tile))!)).toBe(true);
      expect(res.headers['content-type']).toBe('application/octet-stream');
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    }
    const entries = await get('tile/entries/001.p/47', 'GET', { 'accept-encoding': 'gzip' });
    expect(entries.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(entries.body).equals(encodeBundle(ENTRY_BUNDLE, leaves.slice(256, 303)))).toBe(
      true,
    );
    const plain = await get('tile/entries/000');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(encodeBundle(ENTRY_BUNDLE, leaves.slice(0, 256)))).toBe(true);
    const values = await get('tally/values/001.p/44');
    const expectedValues = Array.from({ length: 44 }, (_, i) => valueOf(256 + i));
    expect(values.body.equals(encodeBundle(VALUE_BUNDLE, expectedValues))).toBe(true);
  });

  it('serves partial tiles only at widths a signed checkpoint required', async () => {
    // Checkpoints were signed at 0, 300 and 303.
    expect((await get('tile/0/001.p/44')).status).toBe(200);
    expect((await get('tile/0/001.p/47')).status).toBe(200);
    expect((await get('tile/0/001.p/45')).status).toBe(404);
    expect((await get('tile/entries/001.p/45')).status).toBe(404);
    expect((await get('tile/0/001.p/48')).status).toBe(404);
    expect((await get('tile/0/001')).status).toBe(404);
    expect((await get('tile/1/000.p/2')).status).toBe(404);
    expect((await get('tile/0/x001/000')).status).toBe(404);
  });

  it('answers HEAD as GET, without a body', async () => {
    const [head, getRes] = [await get('tile/0/000', 'HEAD'), await get('tile/0/000')];
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(getRes.headers['content-length']);
    expect(head.headers['content-type']).toBe(getRes.headers['content-type']);
    expect(head.body.length).toBe(0);
  });

  it('refuses malformed paths, traversal and unknown logs with 400 or 404, and keeps serving', async () => {
    for (const bad of [
      'tile/0/1',
      'tile/0/000.p/256',
      'tile/0/000.p/0',
      'tile/64/000',
      'tile/0/../../../etc/passwd',
      'tile/entries/%2e%2e/%2e%2e/etc/passwd',
      'tile/0/000%00',
      '../checkpoint',
      'tile//0/000',
      'tile/0/x999/x999/x999/x999/x999/x999/999',
      'x'.repeat(5000),
    ]) {
      const res = await get(bad);
      expect([400, 404], bad).toContain(res.status);
    }
    expect((await request(daemon.http!, '/logs/' + 'ab'.repeat(32) + '/checkpoint')).status).toBe(404);
    expect((await request(daemon.http!, '/logs/../etc/passwd')).status).toBe(404);
    expect((await request(daemon.http!, '/')).status).toBe(404);
    expect((await get('checkpoint', 'POST')).status).toBe(404);
    expect((await get('checkpoint')).status).toBe(200);
  });

  it('answers lookups of one or many keys as LookupMany does, verifiable end to end', async () => {
    const keys = [keyOf(5), keyOf(299), sha256(Buffer.from('absent')).subarray(0, 20)];
    const res = await get(`tally/lookup?${keys.map((k) => `key=${k.toString('hex')}`).join('&')}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const answers = lookupAnswersFromJson(JSON.parse(res.body.toString()), keys.length);
    const verified = answers.map((a, i) => verifyLookupChain(a, keys[i]!, logKey));
    expect(verified.map((v) => v.present)).toEqual([true, true, false]);
    expect(answers[1]!.value).toEqual(valueOf(299));
    // Moved to another key, an answer fails.
    expect(() => verifyLookupChain(answers[0]!, keys[1]!, logKey)).toThrow();
    expect((await get('tally/lookup')).status).toBe(400);
    expect((await get('tally/lookup?key=zz')).status).toBe(400);
    expect((await get(`tally/lookup?${'key=00&'.repeat(257)}`)).status).toBe(400);
  });
});
