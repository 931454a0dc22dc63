import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { formatNarListing, listNar, NarListingParser } from '../../src/nix/nar-listing.js';
import { nix } from '../cache/real-nix-cache.js';
import { tempDir } from '../helpers/tmp.js';

/*
 * The NAR listing against Nix's own: a tree with every kind of node is added to the store, dumped
 * with `nix-store --dump` and copied with `write-nar-listing=true`; the listing built from the
 * dump, fed whole or a byte at a time, must be the `.ls` file Nix wrote, byte for byte.
 */

let nar: Buffer;
let nixListing: string;

beforeAll(() => {
  const dir = tempDir('tally-nar-listing-');
  const tree = path.join(dir, 'tree');
  fs.mkdirSync(path.join(tree, 'bin'), { recursive: true });
  fs.mkdirSync(path.join(tree, 'share', 'empty-dir'), { recursive: true });
  fs.writeFileSync(path.join(tree, 'bin', 'tool'), '#!/bin/sh\necho tally\n', { mode: 0o755 });
  fs.writeFileSync(path.join(tree, 'share', 'eight by'), '12345678');
  fs.writeFileSync(path.join(tree, 'share', 'empty'), '');
  fs.writeFileSync(path.join(tree, 'share', 'é "quoted"\\'), 'unicode and escapes in names\n');
  fs.symlinkSync('../share/empty', path.join(tree, 'bin', 'link'));
  const storePath = execFileSync('nix-store', ['--add', tree], { encoding: 'utf8' }).trim();
  nar = execFileSync('nix-store', ['--dump', storePath], { maxBuffer: 1 << 26 });
  const cache = path.join(dir, 'cache');
  nix(['copy', '--to', `file://${cache}?compression=none&write-nar-listing=true`, storePath]);
  nixListing = fs.readFileSync(path.join(cache, `${path.basename(storePath).slice(0, 32)}.ls`), 'utf8');
}, 60_000);

describe('NAR listing', () => {
  it('is the .ls file Nix writes, byte for byte', () => {
    expect(formatNarListing(listNar(nar))).toBe(nixListing);
  });

  it('is the same when the NAR arrives a byte at a time', () => {
    const parser = new NarListingParser();
    for (let i = 0; i < nar.length; i++) parser.push(nar.subarray(i, i + 1));
    expect(formatNarListing(parser.end())).toBe(nixListing);
  });

  it('points narOffset at each file’s contents in the NAR', () => {
    const root = listNar(nar);
    if (root.type !== 'directory') throw new Error('expected a directory');
    const bin = root.entries.get('bin')!;
    if (bin.type !== 'directory') throw new Error('expected a directory');
    const tool = bin.entries.get('tool')!;
    if (tool.type !== 'regular') throw new Error('expected a regular file');
    expect(tool.executable).toBe(true);
    expect(nar.toString('utf8', tool.narOffset, tool.narOffset + tool.size)).toBe('#!/bin/sh\necho tally\n');
  });

  it('refuses a NAR that ends early, naming where', () => {
    expect(() => listNar(nar.subarray(0, nar.length - 8))).toThrow(/ends early, after \d+ bytes/);
  });

  it('refuses bytes after the end', () => {
    expect(() => listNar(Buffer.concat([nar, Buffer.alloc(8)]))).toThrow(/after the end of the NAR/);
  });

  it('refuses another format, non-zero padding and entries out of order', () => {
    const wrongMagic = Buffer.from(nar);
    wrongMagic.write('X', 8);
    expect(() => listNar(wrongMagic)).toThrow(/expected "nix-archive-1"/);
    const badPad = Buffer.from(nar);
    badPad[8 + 13] = 1; // padding after "nix-archive-1" (13 bytes)
    expect(() => listNar(badPad)).toThrow(/non-zero padding at offset 21/);
    const swapped = Buffer.from(
      nar.toString('latin1').replace('\x04\0\0\0\0\0\0\0link', '\x04\0\0\0\0\0\0\0zzzz'),
      'latin1',
    );
    expect(() => listNar(swapped)).toThrow(/is not after/);
  });
});
