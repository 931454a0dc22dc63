// The HTTP(S) edge of the tiles client against real servers that misbehave: every GET is bounded
// in bytes (after gzip too) and in time, and every error names the URL.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpLogSource, maxResourceBytes } from '../../src/api/http-log-source.js';
import { TallyError } from '../../src/errors.js';
import type { LogResource } from '../../src/tiles/index.js';
import { makeTestCa, type TestCa } from '../helpers/test-ca.js';

const TILE: LogResource = { kind: 'tile', tile: { level: 0, index: 0, width: 256 } };
const ENTRIES: LogResource = { kind: 'entries', tile: { level: 0, index: 1, width: 256 } };
const CHECKPOINT: LogResource = { kind: 'checkpoint' };

const tileBytes = Buffer.alloc(8192, 7);
const bundleBytes = Buffer.alloc(20_000, 'entry ');

/** What each path does; anything else is a 404. */
const behaviours: Record<string, (res: http.ServerResponse) => void> = {
  '/log/tile/0/000': (res) => res.end(tileBytes),
  '/log/tile/entries/001': (res) => {
    res.setHeader('content-encoding', 'gzip');
    res.end(zlib.gzipSync(bundleBytes));
  },
  '/endless/tile/0/000': (res) => {
    const chunk = Buffer.alloc(1024);
    const more = () => {
      while (res.write(chunk));
    };
    res.on('drain', more);
    more();
  },
  // 64 MiB of zeros in about 64 KiB of gzip: within the bytes a body may send, not what it inflates to.
  '/gzip-bomb/tile/entries/001': (res) => {
    res.setHeader('content-encoding', 'gzip');
    res.end(zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 }));
  },
  '/drip/checkpoint': (res) => {
    res.setHeader('content-length', '100');
    const timer = setInterval(() => res.write('x'), 50);
    res.on('close', () => clearInterval(timer));
  },
  '/declares/tile/0/000': (res) => {
    res.setHeader('content-length', '9000');
    res.write('x');
  },
  '/cut/tile/0/000': (res) => {
    res.setHeader('content-length', '8192');
    res.write(tileBytes.subarray(0, 100), () => res.destroy());
  },
  '/bad-gzip/tile/entries/001': (res) => {
    res.setHeader('content-encoding', 'gzip');
    res.end(Buffer.from('this is not gzip'));
  },
  '/brotli/tile/entries/001': (res) => {
    res.setHeader('content-encoding', 'br');
    res.end(zlib.brotliCompressSync(bundleBytes));
  },
  '/broken/checkpoint': (res) => {
    res.statusCode = 500;
    res.end('oops');
  },
};

const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
  const behave = behaviours[req.url!];
  if (behave) return behave(res);
  res.statusCode = 404;
  res.end();
};

function listen(server: http.Server | https.Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

async function failureOf(promise: Promise<unknown>): Promise<TallyError> {
  const result = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(result).toBeInstanceOf(TallyError);
  return result as TallyError;
}

describe('HTTP log source', () => {
  let server: http.Server;
  let tlsServer: https.Server;
  let base: string;
  let tlsBase: string;
  let ca: TestCa;
  const sources: HttpLogSource[] = [];
  const source = (path: string, options = {}, root = base) => {
    const s = new HttpLogSource(`${root}/${path}/`, { timeoutMs: 2000, ...options });
    sources.push(s);
    return s;
  };

  beforeAll(async () => {
    ca = makeTestCa();
    server = http.createServer(handler);
    tlsServer = https.createServer({ key: ca.key, cert: ca.cert }, handler);
    base = `http://${await listen(server)}`;
    tlsBase = `https://${await listen(tlsServer)}`;
  });
  afterAll(() => {
    sources.forEach((s) => s.close());
    server.closeAllConnections();
    tlsServer.closeAllConnections();
    server.close();
    tlsServer.close();
  });

  it('bounds each kind of resource by what it can honestly hold', () => {
    expect(maxResourceBytes(TILE)).toBe(8192);
    expect(maxResourceBytes(ENTRIES)).toBe(256 * (2 + 1 + 255 + 32));
    expect(maxResourceBytes({ kind: 'values', tile: { level: 0, index: 0, width: 1 } })).toBe(
      256 * (4 + 65_536),
    );
    expect(maxResourceBytes(CHECKPOINT)).toBe(65_536);
  });

  it('fetches plain and gzipped resources', async () => {
    const log = source('log');
    expect(Buffer.from(await log.get(TILE))).toEqual(tileBytes);
    expect(Buffer.from(await log.get(ENTRIES))).toEqual(bundleBytes);
    expect(log.urlOf(ENTRIES).href).toBe(`${base}/log/tile/entries/001`);
  });

  it('cuts off an endless body at the size limit', async () => {
    const e = await failureOf(source('endless').get(TILE));
    expect(e.code).toBe('VERIFICATION_FAILED');
    expect(e.message).toBe(`${base}/endless/tile/0/000: sent more than the 8192 bytes it may have`);
  });

  it('cuts off a gzip bomb at the size limit after decompression', async () => {
    const e = await failureOf(source('gzip-bomb').get(ENTRIES));
    expect(e.message).toBe(
      `${base}/gzip-bomb/tile/entries/001: decompresses to more than the 74240 bytes it may have`,
    );
  });

  it('refuses a declared length over the limit before reading the body', async () => {
    const e = await failureOf(source('declares').get(TILE));
    expect(e.message).toBe(
      `${base}/declares/tile/0/000: declares 9000 bytes, more than the 8192 bytes it may have`,
    );
  });

  it('gives up on a server that drips bytes, at the deadline for the whole body', async () => {
    const started = Date.now();
    const e = await failureOf(source('drip', { timeoutMs: 600 }).get(CHECKPOINT));
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.message).toBe(`${base}/drip/checkpoint: no complete answer within 600 ms`);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('names the URL of a cut connection, a 404, a 500, bad gzip and an unknown encoding', async () => {
    const cut = await failureOf(source('cut').get(TILE));
    expect(cut.code).toBe('UNAVAILABLE');
    expect(cut.message).toMatch(new RegExp(`^${base}/cut/tile/0/000: `));
    const missing = await failureOf(source('log').get(CHECKPOINT));
    expect([missing.code, missing.message]).toEqual([
      'NOT_FOUND',
      `${base}/log/checkpoint: HTTP 404 Not Found`,
    ]);
    const broken = await failureOf(source('broken').get(CHECKPOINT));
    expect([broken.code, broken.message]).toEqual([
      'UNAVAILABLE',
      `${base}/broken/checkpoint: HTTP 500 Internal Server Error`,
    ]);
    const badGzip = await failureOf(source('bad-gzip').get(ENTRIES));
    expect(badGzip.message).toMatch(/bad-gzip\/tile\/entries\/001: the gzip body does not decompress/);
    const brotli = await failureOf(source('brotli').get(ENTRIES));
    expect(brotli.message).toBe(`${base}/brotli/tile/entries/001: unsupported Content-Encoding "br"`);
  });

  it('speaks HTTPS to a server whose CA it trusts, and refuses one it does not', async () => {
    const trusted = source('log', { ca: [ca.ca] }, tlsBase);
    expect(Buffer.from(await trusted.get(TILE))).toEqual(tileBytes);
    // The system's CAs do not include the test CA.
    const e = await failureOf(source('log', {}, tlsBase).get(TILE));
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.message).toMatch(new RegExp(`^${tlsBase}/log/tile/0/000: .*(self.signed|issuer|verify)`, 'i'));
  });

  it('refuses URLs it cannot fetch', () => {
    expect(() => new HttpLogSource('ftp://example.org/log/')).toThrow(/only http and https/);
    expect(() => new HttpLogSource('not a url')).toThrow(/is not a URL/);
  });
});
