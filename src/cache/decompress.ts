import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Decompress as ZstdDecompress } from 'fzstd';
import unbzip2Stream from 'unbzip2-stream';
// xz-decompress is CommonJS without named-export hints: Node's ESM loader needs the default import.
import xzDecompress from 'xz-decompress';

const { XzReadableStream } = xzDecompress;

/**
 * Streaming decompressors for the `Compression` values of Nix binary caches. Chosen by the
 * measurement in BENCHMARKS.md ("Decompressors"): all pure JS or WebAssembly shipped inside their
 * npm packages, so nothing is downloaded or compiled at install.
 */
export const SUPPORTED_COMPRESSIONS = ['none', 'xz', 'zstd', 'bzip2'] as const;

export function isSupportedCompression(compression: string): boolean {
  return (SUPPORTED_COMPRESSIONS as readonly string[]).includes(compression);
}

/** `source` decompressed. Errors of either side surface on the returned stream. */
export function decompressed(source: Readable, compression: string): Readable {
  switch (compression) {
    case 'none':
      return source;
    case 'xz': {
      const web = new XzReadableStream(Readable.toWeb(source) as unknown as ReadableStream<Uint8Array>);
      return Readable.fromWeb(web as unknown as WebReadableStream<Uint8Array>);
    }
    case 'zstd':
      return chain(source, zstdTransform());
    case 'bzip2':
      return chain(source, unbzip2Stream() as unknown as Transform);
    default:
      throw new Error(`unsupported Compression ${JSON.stringify(compression)}`);
  }
}

function chain(source: Readable, transform: Transform): Readable {
  source.on('error', (e) => transform.destroy(e));
  transform.on('close', () => source.destroy());
  return source.pipe(transform);
}

function zstdTransform(): Transform {
  let decoder: ZstdDecompress;
  return new Transform({
    construct(callback) {
      decoder = new ZstdDecompress((chunk) => this.push(chunk));
      callback();
    },
    transform(chunk: Buffer, _encoding, callback) {
      try {
        decoder.push(chunk);
        callback();
      } catch (e) {
        callback(e as Error);
      }
    },
    flush(callback) {
      try {
        decoder.push(new Uint8Array(0), true);
        callback();
      } catch (e) {
        callback(e as Error);
      }
    },
  });
}
