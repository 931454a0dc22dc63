import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import zlib from 'node:zlib';
import { Decompress as ZstdDecompress } from 'fzstd';
import unbzip2Stream from 'unbzip2-stream';
// xz-decompress is CommonJS without named-export hints: Node's ESM loader needs the default import.
import xzDecompress from 'xz-decompress';
import { findExecutable, spawnedDecoder } from './spawned-decoder.js';

const { XzReadableStream } = xzDecompress;

/**
 * Streaming decompressors for the `Compression` values of Nix binary caches. Native code, as Nix
 * itself decompresses natively: the system's `zstd`, `xz` and `bzip2` as child processes (the
 * liblzma/libzstd/libbz2 Nix links, on a core of their own), else Node's own zstd where the
 * runtime has it (Node 22.15+), else decoders in pure JS or WebAssembly shipped inside their npm
 * packages. Nothing is downloaded or compiled at install. Chosen by measurement: BENCHMARKS.md
 * ("Decompressors").
 */
export const SUPPORTED_COMPRESSIONS = ['none', 'xz', 'zstd', 'bzip2'] as const;
export type Compression = (typeof SUPPORTED_COMPRESSIONS)[number];

export function isSupportedCompression(compression: string): compression is Compression {
  return (SUPPORTED_COMPRESSIONS as readonly string[]).includes(compression);
}

/** One way to decompress a format: `source` in, decompressed stream out. */
export interface Decoder {
  /** What it is, for logs and benchmarks: `node:zlib`, `/usr/bin/xz -dc`, `fzstd`, ... */
  name: string;
  open(source: Readable): Readable;
}

/** Where the decoders look for system tools, and whether the runtime's own zstd may be used. */
export interface DecoderEnvironment {
  /** PATH syntax; the process's PATH by default. */
  searchPath?: string | undefined;
  /** Use node:zlib's zstd when the runtime has it (default true). */
  runtimeZstd?: boolean;
}

type ZlibWithZstd = { createZstdDecompress?: () => Transform };

/** node:zlib's zstd decompressor, if this runtime has one (Node 22.15+ and 23.8+). */
export const runtimeZstd = (zlib as unknown as ZlibWithZstd).createZstdDecompress;

/** Every decoder available for `compression` here, best first; the last one is always there. */
export function decodersFor(compression: Compression, env: DecoderEnvironment = {}): Decoder[] {
  const searchPath = 'searchPath' in env ? env.searchPath : process.env.PATH;
  const tool = (name: string): Decoder[] => {
    const executable = findExecutable(name, searchPath);
    return executable
      ? [{ name: `${executable} -dc`, open: (source) => spawnedDecoder(source, executable, ['-dc']) }]
      : [];
  };
  switch (compression) {
    case 'none':
      return [{ name: 'none', open: (source) => source }];
    case 'zstd': {
      const native: Decoder[] =
        runtimeZstd && env.runtimeZstd !== false
          ? [{ name: 'node:zlib', open: (source) => chain(source, runtimeZstd()) }]
          : [];
      return [
        ...tool('zstd'),
        ...native,
        { name: 'fzstd', open: (source) => chain(source, fzstdTransform()) },
      ];
    }
    case 'xz':
      return [...tool('xz'), { name: 'xz-decompress', open: xzDecompressStream }];
    case 'bzip2':
      return [
        ...tool('bzip2'),
        { name: 'unbzip2-stream', open: (source) => chain(source, unbzip2Stream() as unknown as Transform) },
      ];
  }
}

/** The decoder the proxy uses for each supported compression, chosen once per process. */
let chosen: Map<Compression, Decoder> | undefined;

export function decoderFor(compression: string): Decoder {
  if (!isSupportedCompression(compression)) {
    throw new Error(`unsupported Compression ${JSON.stringify(compression)}`);
  }
  chosen ??= new Map(SUPPORTED_COMPRESSIONS.map((c) => [c, decodersFor(c)[0]!]));
  return chosen.get(compression)!;
}

/** `source` decompressed. Errors of either side surface on the returned stream. */
export function decompressed(source: Readable, compression: string): Readable {
  return decoderFor(compression).open(source);
}

function xzDecompressStream(source: Readable): Readable {
  const web = new XzReadableStream(Readable.toWeb(source) as unknown as ReadableStream<Uint8Array>);
  return Readable.fromWeb(web as unknown as WebReadableStream<Uint8Array>);
}

function chain(source: Readable, transform: Transform): Readable {
  source.on('error', (e) => transform.destroy(e));
  transform.on('close', () => source.destroy());
  return source.pipe(transform);
}

function fzstdTransform(): Transform {
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
