import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidArgumentError, TallyError } from '../errors.js';
import { UpstreamClient } from '../cache/upstream-client.js';
import { parseNarinfo, parseStorePath, type NixOutput } from '../nix/index.js';
import { MAX_NARINFO_BYTES } from '../nix/narinfo.js';

/*
 * Reading an existing binary cache's narinfos. A directory (or file:// URL) is listed; an HTTP
 * cache cannot be listed (the protocol has no index), so its narinfos are fetched for the store
 * paths the caller names.
 */

export interface CacheSource {
  kind: 'dir' | 'http';
  /** Directory path, or base URL without a trailing slash. */
  location: string;
}

const FETCH_TIMEOUT_MS = 30_000;
const HTTP_CONCURRENCY = 8;

export function parseCacheSource(text: string): CacheSource {
  if (/^https?:\/\//.test(text)) return { kind: 'http', location: text.replace(/\/+$/, '') };
  if (text.startsWith('file://')) return { kind: 'dir', location: fileURLToPath(text.split('?')[0]!) };
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(text)) {
    throw new InvalidArgumentError(
      `cache ${text}: only directories, file:// and http(s):// caches are supported`,
    );
  }
  return { kind: 'dir', location: path.resolve(text) };
}

/** The `StoreDir` a cache declares in nix-cache-info, if any. */
export function storeDirFromCacheInfo(text: string): string | undefined {
  const line = text.split('\n').find((l) => l.startsWith('StoreDir: '));
  return line?.slice('StoreDir: '.length).trim();
}

/** The part of a narinfo builders agree on. */
export function nixOutputOfNarinfo(text: string, storeDir: string): NixOutput {
  const narinfo = parseNarinfo(text, { storeDir });
  const output: NixOutput = {
    storePath: narinfo.storePath,
    narHash: narinfo.narHash,
    narSize: narinfo.narSize,
    references: narinfo.references,
  };
  if (narinfo.ca !== undefined) output.ca = narinfo.ca;
  return output;
}

/**
 * GETs a small file of an HTTP cache, bounded in size and time, with the proxy's own upstream
 * client; undefined when the cache does not have it.
 */
async function fetchSmallFile(
  client: UpstreamClient,
  baseUrl: string,
  relative: string,
): Promise<string | undefined> {
  try {
    const fetched = await client.fetchSmallFile(baseUrl, relative, MAX_NARINFO_BYTES);
    return fetched.found ? fetched.body.toString('utf8') : undefined;
  } catch (err) {
    throw new TallyError('UNAVAILABLE', (err as Error).message);
  }
}

/** Runs `body` with an upstream client (keep-alive connections), closed afterwards. */
async function withUpstreamClient<T>(body: (client: UpstreamClient) => Promise<T>): Promise<T> {
  const client = new UpstreamClient({ timeoutMs: FETCH_TIMEOUT_MS, connectTimeoutMs: FETCH_TIMEOUT_MS });
  try {
    return await body(client);
  } finally {
    client.close();
  }
}

/** The cache's StoreDir (nix-cache-info), else `fallback`. */
export async function cacheStoreDir(source: CacheSource, fallback: string): Promise<string> {
  let info: string | undefined;
  if (source.kind === 'dir') {
    const file = path.join(source.location, 'nix-cache-info');
    info = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  } else {
    info = await withUpstreamClient((client) => fetchSmallFile(client, source.location, 'nix-cache-info'));
  }
  return (info && storeDirFromCacheInfo(info)) || fallback;
}

/** Every `*.narinfo` file of a directory cache, sorted. */
export function listNarinfoFiles(dir: string): string[] {
  if (!fs.statSync(dir).isDirectory()) throw new InvalidArgumentError(`cache ${dir} is not a directory`);
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.narinfo'))
    .sort()
    .map((n) => path.join(dir, n));
}

/** Store paths (or bare hash parts) listed one a line; blank lines and # comments ignored. */
export function readHashPartsFile(file: string, storeDir: string): string[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => (l.startsWith('/') ? parseStorePath(l, storeDir).hashPart : l.slice(0, 32)));
}

/** Fetches `<url>/<hash>.narinfo` for each hash part, a few at a time, in order. */
export async function fetchNarinfos(
  baseUrl: string,
  hashParts: string[],
  onEach: () => void,
): Promise<Array<{ hashPart: string; text: string }>> {
  const results: Array<{ hashPart: string; text: string }> = new Array(hashParts.length);
  let next = 0;
  const worker = async (client: UpstreamClient) => {
    while (next < hashParts.length) {
      const i = next++;
      const hashPart = hashParts[i]!;
      const text = await fetchSmallFile(client, baseUrl, `${hashPart}.narinfo`);
      if (text === undefined)
        throw new TallyError('NOT_FOUND', `${baseUrl}/${hashPart}.narinfo: not in the cache (404)`);
      results[i] = { hashPart, text };
      onEach();
    }
  };
  await withUpstreamClient((client) =>
    Promise.all(Array.from({ length: Math.min(HTTP_CONCURRENCY, hashParts.length) }, () => worker(client))),
  );
  return results;
}
