import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from '../entry/entry.js';
import { InvalidArgumentError, VerificationError } from '../errors.js';
import { DIGEST_LENGTH } from '../crypto/sha256.js';
import {
  ENTRY_BUNDLE,
  FULL_TILE_BYTES,
  TILE_WIDTH,
  VALUE_BUNDLE,
  logResourcePath,
  type LogResource,
} from '../tiles/index.js';
import type { LogResourceSource } from '../verify/tile-sources.js';
import type { LookupAnswer } from '../verify/lookup-chain.js';
import { boundedGet, getAgents, type GetAgents } from './bounded-get.js';
import { lookupAnswersFromJson } from './lookup-json.js';
import { systemCaCertificates } from './system-ca.js';

/** A signed checkpoint: the body and up to 100 signature lines fit many times over. */
export const MAX_CHECKPOINT_BYTES = 64 * 1024;
/** 256 entries of the largest leaf: a 255-byte key and a digest, each with its 2-byte length. */
const MAX_ENTRY_BUNDLE_BYTES = TILE_WIDTH * (ENTRY_BUNDLE.prefixBytes + 1 + MAX_KEY_BYTES + DIGEST_LENGTH);
/** 256 of the largest values, each with its 4-byte length: 16 MiB. */
const MAX_VALUE_BUNDLE_BYTES = TILE_WIDTH * (VALUE_BUNDLE.prefixBytes + MAX_VALUE_BYTES);

export const DEFAULT_FETCH_TIMEOUT_MS = 10_000;

/** The lookup endpoint under a log's prefix (docs/PROTOCOL.md, "The log as tiles", §6). */
const LOOKUP_PATH = 'tally/lookup';
/**
 * Characters of `key=` parameters per lookup GET: the request line must fit the server's header
 * limit (Node's is 16 KiB), so a batch of many or long keys goes out as several GETs.
 */
const MAX_LOOKUP_QUERY_CHARS = 8 * 1024;
/** One answer at most: its value in base64, and a map proof and an inclusion proof of 256 hashes each. */
const MAX_LOOKUP_ANSWER_BYTES = Math.ceil(MAX_VALUE_BYTES / 3) * 4 + 4 * 1024 + 2 * 256 * 48;

/** The most bytes a resource of this kind can honestly have. */
export function maxResourceBytes(resource: LogResource): number {
  switch (resource.kind) {
    case 'checkpoint':
      return MAX_CHECKPOINT_BYTES;
    case 'tile':
      return FULL_TILE_BYTES;
    case 'entries':
      return MAX_ENTRY_BUNDLE_BYTES;
    case 'values':
      return MAX_VALUE_BUNDLE_BYTES;
  }
}

export interface HttpLogSourceOptions {
  /** Deadline for each whole resource, body included (default 10 s). */
  timeoutMs?: number;
  /** CAs trusted for HTTPS (default: the system's, systemCaCertificates). */
  ca?: string[];
}

/**
 * A log's tlog-tiles resources over HTTP(S), under the URL prefix `prefix` (a daemon's
 * `http://host:9003/logs/<log id>/`, a static directory behind nginx or a CDN). Each GET is
 * bounded by the size its kind can honestly have (maxResourceBytes) and by `timeoutMs`;
 * connections are kept alive across requests. The bytes are untrusted: pair this with a
 * TiledLogVerifier. `close` when done.
 */
export class HttpLogSource implements LogResourceSource {
  readonly prefix: URL;
  private readonly agents: GetAgents;
  private readonly timeoutMs: number;

  constructor(prefix: string, options: HttpLogSourceOptions = {}) {
    let url: URL;
    try {
      url = new URL(prefix.endsWith('/') ? prefix : prefix + '/');
    } catch {
      throw new InvalidArgumentError(`log URL ${JSON.stringify(prefix)} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new InvalidArgumentError(`log URL ${prefix}: only http and https are supported`);
    }
    if (url.search || url.hash) throw new InvalidArgumentError(`log URL ${prefix}: no query or fragment`);
    this.prefix = url;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
    this.agents = getAgents(options.ca ?? systemCaCertificates());
  }

  /** The URL of a resource. */
  urlOf(resource: LogResource): URL {
    return new URL(logResourcePath(resource), this.prefix);
  }

  get(resource: LogResource): Promise<Uint8Array> {
    return boundedGet(
      this.urlOf(resource),
      { maxBytes: maxResourceBytes(resource), timeoutMs: this.timeoutMs },
      this.agents,
    );
  }

  /**
   * The log's untrusted answers about `keys`, in order, from its HTTP lookup endpoint
   * (`<prefix>tally/lookup?key=…`): what LookupMany answers, to be verified like it. A static copy
   * has no such endpoint (HTTP 404, NOT_FOUND). Keys that do not fit one request line go out in
   * several GETs at once, each bounded in size and time like a resource.
   */
  async lookup(keys: readonly Buffer[]): Promise<LookupAnswer[]> {
    const groups: Buffer[][] = [];
    let chars = Infinity;
    for (const key of keys) {
      const more = 5 + 2 * key.length;
      if (chars + more > MAX_LOOKUP_QUERY_CHARS) {
        groups.push([]);
        chars = 0;
      }
      groups.at(-1)!.push(key);
      chars += more;
    }
    const answers = await Promise.all(
      groups.map(async (group) => {
        const url = new URL(LOOKUP_PATH, this.prefix);
        for (const key of group) url.searchParams.append('key', key.toString('hex'));
        const body = await boundedGet(
          url,
          { maxBytes: 1024 + group.length * MAX_LOOKUP_ANSWER_BYTES, timeoutMs: this.timeoutMs },
          this.agents,
        );
        let json: unknown;
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          throw new VerificationError(`${url.origin}${url.pathname}: the answer is not JSON`);
        }
        return lookupAnswersFromJson(json, group.length);
      }),
    );
    return answers.flat();
  }

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
