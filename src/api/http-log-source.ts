import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from '../entry/entry.js';
import { InvalidArgumentError } from '../errors.js';
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
import { boundedGet, getAgents, type GetAgents } from './bounded-get.js';
import { systemCaCertificates } from './system-ca.js';

/** A signed checkpoint: the body and up to 100 signature lines fit many times over. */
export const MAX_CHECKPOINT_BYTES = 64 * 1024;
/** 256 entries of the largest leaf: a 255-byte key and a digest, each with its 2-byte length. */
const MAX_ENTRY_BUNDLE_BYTES = TILE_WIDTH * (ENTRY_BUNDLE.prefixBytes + 1 + MAX_KEY_BYTES + DIGEST_LENGTH);
/** 256 of the largest values, each with its 4-byte length: 16 MiB. */
const MAX_VALUE_BUNDLE_BYTES = TILE_WIDTH * (VALUE_BUNDLE.prefixBytes + MAX_VALUE_BYTES);

export const DEFAULT_FETCH_TIMEOUT_MS = 10_000;

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

  /** Closes idle keep-alive connections. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
