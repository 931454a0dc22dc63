/**
 * Every decoder the proxy can pick (system tool, runtime zstd, in-package fallback), on data made
 * by the real xz, zstd and bzip2 CLIs: the same bytes come out, broken input is an error, and
 * stopping early stops the work. The system tools are required here (CI has them), never skipped.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decoderFor, decodersFor, runtimeZstd, type Compression } from '../../src/cache/decompress.js';
import { findExecutable, spawnedDecoder } from '../../src/cache/spawned-decoder.js';

const COMPRESSED: Compression[] = ['xz', 'zstd', 'bzip2'];

/** ~1.5 MiB of text that differs throughout: several pipe and stream chunks either way. */
const original = Buffer.from(
  Array.from(
    { length: 20_000 },
    (_, i) => `line ${i} ${createHash('sha256').update(String(i)).digest('hex')}\n`,
  ).join(''),
);

function compress(compression: Compression, data: Buffer): Buffer {
  return execFileSync(compression, ['-c'], { input: data, maxBuffer: 64 << 20 });
}

/** A readable of `data` in 64 KiB chunks, as an HTTP body arrives. */
function chunked(data: Buffer): Readable {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i += 65536) chunks.push(data.subarray(i, i + 65536));
  return Readable.from(chunks);
}

/** Events, not async iteration: unbzip2-stream is an old-style stream. */
function collect(stream: Readable): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Every decoder of a compression: those found here, then the in-package one alone. */
function allDecoders(compression: Compression) {
  const here = decodersFor(compression);
  const fallback = decodersFor(compression, { searchPath: '', runtimeZstd: false });
  expect(fallback).toHaveLength(1);
  return [...here, ...fallback].filter((d, i, all) => all.findIndex((e) => e.name === d.name) === i);
}

describe('decoder choice', () => {
  it.each(COMPRESSED)('%s: the system tool is found and comes first', (compression) => {
    const tool = findExecutable(compression, process.env.PATH);
    expect(tool, `${compression} must be installed for these tests`).toBeDefined();
    expect(decodersFor(compression)[0]!.name).toBe(`${tool} -dc`);
    expect(decoderFor(compression).name).toBe(`${tool} -dc`);
  });

  it('without system tools: node:zlib zstd where the runtime has it, else the in-package decoders', () => {
    const bare = { searchPath: '' };
    expect(decodersFor('zstd', bare).map((d) => d.name)).toEqual(
      runtimeZstd ? ['node:zlib', 'fzstd'] : ['fzstd'],
    );
    expect(decodersFor('xz', bare).map((d) => d.name)).toEqual(['xz-decompress']);
    expect(decodersFor('bzip2', bare).map((d) => d.name)).toEqual(['unbzip2-stream']);
    expect(decodersFor('none', bare).map((d) => d.name)).toEqual(['none']);
  });

  it('an unsupported Compression is refused by name', () => {
    expect(() => decoderFor('lz4')).toThrow('unsupported Compression "lz4"');
  });

  it('findExecutable ignores empty PATH entries and directories', () => {
    expect(findExecutable('sh', '')).toBeUndefined();
    expect(findExecutable('bin', '/')).toBeUndefined();
    expect(findExecutable('sh', `:/nonexistent:${process.env.PATH}`)).toMatch(/\/sh$/);
  });
});

describe.each(COMPRESSED)('%s decoders', (compression) => {
  const packed = compress(compression, original);

  it('each one gives back the original bytes', async () => {
    for (const decoder of allDecoders(compression)) {
      const out = await collect(decoder.open(chunked(packed)));
      expect(out.equals(original), decoder.name).toBe(true);
    }
  });

  it('the system tool fails, naming itself, on truncated and on corrupted input', async () => {
    const tool = decodersFor(compression)[0]!;
    const truncated = packed.subarray(0, packed.length - 100);
    await expect(collect(tool.open(chunked(truncated)))).rejects.toThrow(
      new RegExp(`${compression} -dc failed \\(exit status [1-9]`),
    );
    const corrupted = Buffer.from(packed);
    corrupted[corrupted.length >> 1]! ^= 0xff;
    await expect(collect(tool.open(chunked(corrupted)))).rejects.toThrow(`${compression} -dc failed`);
  });
});

describe('spawnedDecoder', () => {
  it('an error of the source ends up on the result', async () => {
    const source = new Readable({ read() {} });
    const out = spawnedDecoder(source, findExecutable('zstd', process.env.PATH)!, ['-dc']);
    source.destroy(new Error('upstream went away'));
    await expect(collect(out)).rejects.toThrow('upstream went away');
  });

  it('destroying the result stops the source and the process', async () => {
    // An endless zstd stream: the same compressed frame over and over.
    const frame = compress('zstd', original);
    const source = new Readable({
      read() {
        this.push(frame);
      },
    });
    const out = spawnedDecoder(source, findExecutable('zstd', process.env.PATH)!, ['-dc']);
    const first = await new Promise<Buffer>((resolve) => out.once('data', resolve));
    expect(first.length).toBeGreaterThan(0);
    out.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(source.destroyed).toBe(true);
  });

  it('a missing executable is an error naming it', async () => {
    const out = spawnedDecoder(chunked(original), '/nonexistent/xz', ['-dc']);
    await expect(collect(out)).rejects.toThrow('xz -dc could not run');
  });
});
