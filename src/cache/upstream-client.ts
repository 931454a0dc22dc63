import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { MAX_NARINFO_BYTES } from '../nix/narinfo.js';

/**
 * A failed upstream request. `unreachable`: no usable answer at all (a timeout, a refused or reset
 * connection, an HTTP error status), which sets the upstream aside; otherwise it answered, but
 * with something unusable (too large, leaving its cache).
 */
export class UpstreamError extends Error {
  constructor(
    message: string,
    readonly unreachable = false,
  ) {
    super(message);
  }
}

export interface UpstreamTimeouts {
  /** Deadline for a whole narinfo, and for a NAR's response headers. */
  timeoutMs: number;
  /** Deadline for the TCP (and TLS) connection to be up. */
  connectTimeoutMs: number;
}

export type NarinfoFetch = { found: true; body: Buffer } | { found: false };

/** `base` (a cache URL, with or without trailing slash) joined with a relative path. */
export function upstreamUrl(base: string, relative: string): URL {
  const root = new URL(base.endsWith('/') ? base : base + '/');
  const url = new URL(relative, root);
  // A narinfo's URL may only point into its own cache: no redirecting the proxy elsewhere.
  if (url.origin !== root.origin || !url.pathname.startsWith(root.pathname)) {
    throw new UpstreamError(`URL ${JSON.stringify(relative)} leaves the upstream cache ${base}`);
  }
  return url;
}

/**
 * HTTP to builders' binary caches with node:http / node:https over keep-alive connections: Nix
 * asks for many narinfos in a row, and a connection (and TLS handshake) per request costs more
 * than the request. Node streams all the way: a NAR body is the response itself, with no web
 * stream adapter in between (fetch with Readable.fromWeb cost more CPU per byte: BENCHMARKS.md,
 * "Cache proxy vs nginx").
 *
 * Deadlines: a connection must be up within `connectTimeoutMs`, a narinfo must arrive whole within
 * `timeoutMs`, a NAR's headers within `timeoutMs`. A NAR body has none: a stall cannot be told apart from our client not reading (backpressure),
 * and Nix gives up on a stalled download itself (stalled-download-timeout), which closes both.
 */
export class UpstreamClient {
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true }),
    'https:': new https.Agent({ keepAlive: true }),
  };

  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;

  constructor(timeouts: UpstreamTimeouts) {
    this.timeoutMs = timeouts.timeoutMs;
    this.connectTimeoutMs = timeouts.connectTimeoutMs;
  }

  /** Resolves when the cache answers its nix-cache-info (found or not), rejects with why not. */
  async probe(base: string): Promise<void> {
    await this.fetchSmallFile(base, 'nix-cache-info', MAX_NARINFO_BYTES);
  }

  fetchNarinfo(base: string, hashPart: string): Promise<NarinfoFetch> {
    return this.fetchSmallFile(base, `${hashPart}.narinfo`, MAX_NARINFO_BYTES);
  }

  /**
   * A small file of a cache (a narinfo, nix-cache-info), whole, at most `maxBytes`; not found on
   * 404 or 403 (S3-style caches answer 403 for a missing key).
   */
  async fetchSmallFile(base: string, relative: string, maxBytes: number): Promise<NarinfoFetch> {
    const url = upstreamUrl(base, relative);
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const response = await this.get(url, signal);
      if (response.statusCode === 404 || response.statusCode === 403) {
        response.resume();
        return { found: false };
      }
      if (response.statusCode !== 200) {
        response.resume();
        throw new UpstreamError(`${url} answered HTTP ${response.statusCode}`, true);
      }
      const tooLong = (size: number) =>
        new UpstreamError(`${url} sent ${size} bytes, more than the ${maxBytes} allowed`);
      const declared = Number(response.headers['content-length'] ?? '0');
      if (declared > maxBytes) {
        response.destroy();
        throw tooLong(declared);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes) throw tooLong(size); // leaving the loop destroys the response
        chunks.push(chunk);
      }
      return { found: true, body: Buffer.concat(chunks, size) };
    } catch (e) {
      if (e instanceof UpstreamError) throw e;
      const why = signal.aborted ? `no complete answer within ${this.timeoutMs} ms` : describeError(e);
      throw new UpstreamError(`${url}: ${why}`, true);
    }
  }

  /** Opens a NAR download; the body is the returned stream, aborted when it is destroyed. */
  async openNar(url: URL): Promise<IncomingMessage> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.timeoutMs);
    try {
      const response = await this.get(url, abort.signal);
      if (response.statusCode !== 200) {
        response.resume();
        throw new UpstreamError(`${url} answered HTTP ${response.statusCode}`, true);
      }
      return response;
    } catch (e) {
      if (e instanceof UpstreamError) throw e;
      const why = abort.signal.aborted ? `no response within ${this.timeoutMs} ms` : describeError(e);
      throw new UpstreamError(`${url}: ${why}`, true);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes the idle keep-alive connections; requests in flight finish on their own. */
  close(): void {
    this.agents['http:'].destroy();
    this.agents['https:'].destroy();
  }

  private get(url: URL, signal: AbortSignal): Promise<IncomingMessage> {
    const protocol = url.protocol;
    if (protocol !== 'http:' && protocol !== 'https:') {
      return Promise.reject(new UpstreamError(`${url}: only http and https upstreams are supported`));
    }
    const client = protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const request = client.get(url, { agent: this.agents[protocol], signal }, resolve);
      request.on('error', reject);
      request.on('socket', (socket) => {
        // A reused keep-alive socket is connected already.
        if (!socket.connecting) return;
        const timer = setTimeout(
          () => request.destroy(new Error(`no connection within ${this.connectTimeoutMs} ms`)),
          this.connectTimeoutMs,
        );
        socket.once(protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
    });
  }
}

function describeError(e: unknown): string {
  const err = e as Error & { code?: string };
  return err.code && !err.message.includes(err.code)
    ? `${err.message} (${err.code})`
    : String(err.message ?? e);
}
