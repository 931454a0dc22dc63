import { TallyError } from '../errors.js';
import { logResourcePath, type LogResource } from '../tiles/index.js';
import type { LogResourceSource } from '../verify/tile-sources.js';

/** Largest resource a tlog-tiles log serves: a value bundle of 256 values of up to 64 KiB each. */
const MAX_RESOURCE_BYTES = 256 * (4 + 65_536);
/** A checkpoint is a few lines; more is not a checkpoint. */
const MAX_CHECKPOINT_BYTES = 64 * 1024;

export interface TilesHttpOptions {
  /** Whole-request deadline: connecting, headers and every byte of the body. */
  timeoutMs: number;
}

/**
 * A log's tlog-tiles resources over HTTP(S) under `prefix` (ending in "/"). Untrusted: the
 * TiledLogVerifier checks every byte. A body larger than any resource can be is cut off at the
 * limit, and a slow server at the deadline, so a hostile server costs at most both.
 */
export class TilesHttpSource implements LogResourceSource {
  constructor(
    readonly prefix: string,
    private readonly options: TilesHttpOptions,
  ) {}

  async get(resource: LogResource): Promise<Uint8Array> {
    const limit = resource.kind === 'checkpoint' ? MAX_CHECKPOINT_BYTES : MAX_RESOURCE_BYTES;
    return this.fetchBytes(logResourcePath(resource), limit);
  }

  /** The log's checkpoint note as served (unverified). */
  async checkpoint(): Promise<string> {
    return Buffer.from(await this.get({ kind: 'checkpoint' })).toString('utf8');
  }

  private async fetchBytes(path: string, limit: number): Promise<Buffer> {
    const url = this.prefix + path;
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    try {
      const response = await fetch(url, { signal, redirect: 'follow' });
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new TallyError('UNAVAILABLE', `${url}: HTTP ${response.status}`);
      }
      const declared = Number(response.headers.get('content-length') ?? NaN);
      if (declared > limit) {
        await response.body?.cancel();
        throw new TallyError(
          'UNAVAILABLE',
          `${url}: ${declared} bytes, more than the ${limit} a resource may be`,
        );
      }
      const chunks: Buffer[] = [];
      let length = 0;
      for await (const chunk of response.body ?? []) {
        length += (chunk as Uint8Array).length;
        if (length > limit) {
          throw new TallyError('UNAVAILABLE', `${url}: more than the ${limit} bytes a resource may be`);
        }
        chunks.push(Buffer.from(chunk as Uint8Array));
      }
      return Buffer.concat(chunks);
    } catch (err) {
      if (err instanceof TallyError) throw err;
      if (signal.aborted) {
        throw new TallyError('UNAVAILABLE', `${url}: no complete answer within ${this.options.timeoutMs} ms`);
      }
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      throw new TallyError('UNAVAILABLE', `${url}: ${cause ?? (err as Error).message}`);
    }
  }
}
