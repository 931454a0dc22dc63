/**
 * The listing of a NAR, as Nix writes it to `<hash>.ls` in a binary cache (`listNar` in Nix's
 * nar-accessor.cc, `write-nar-listing`): `{"version":1,"root":<node>}`, where a node is
 *   regular:   {"type":"regular","size":N,"executable":true?,"narOffset":N?}
 *   symlink:   {"type":"symlink","target":"…"}
 *   directory: {"type":"directory","entries":{"<name>":<node>,…}}
 * with entries in byte order, `executable` only when set and `narOffset` (where the file's
 * contents start in the NAR) only when not 0. Keys come in the order Nix 2.8 writes them (newer
 * Nix sorts them; JSON readers take either). Pure: no I/O. The parser takes the
 * NAR in chunks and keeps only the names, never the file contents, so a large NAR costs memory in
 * proportion to its number of entries.
 */

export type NarListingNode =
  | { type: 'regular'; size: number; executable: boolean; narOffset: number }
  | { type: 'symlink'; target: string }
  | { type: 'directory'; entries: Map<string, NarListingNode> };

/** A NAR that is not well formed; says where and what. */
export class NarFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NarFormatError';
  }
}

/** Names and symlink targets longer than this are refused (Nix allows 255 and PATH_MAX, 4096). */
const MAX_STRING = 4096;

type Need = { kind: 'string' } | { kind: 'contents' };
type Got = string | { size: number; offset: number };
type Parse = Generator<Need, NarListingNode, Got>;

const STRING: Need = { kind: 'string' };
const CONTENTS: Need = { kind: 'contents' };

function* readString(): Generator<Need, string, Got> {
  return (yield STRING) as string;
}

function* expect(token: string, where: string): Generator<Need, void, Got> {
  const got = yield* readString();
  if (got !== token) throw new NarFormatError(`expected "${token}" ${where}, got "${got.slice(0, 64)}"`);
}

function* parseNode(path: string): Parse {
  yield* expect('(', `at ${path}`);
  yield* expect('type', `at ${path}`);
  const type = yield* readString();
  if (type === 'regular') {
    let tag = yield* readString();
    let executable = false;
    if (tag === 'executable') {
      yield* expect('', `after "executable" at ${path}`);
      executable = true;
      tag = yield* readString();
    }
    if (tag !== 'contents')
      throw new NarFormatError(`expected "contents" at ${path}, got "${tag.slice(0, 64)}"`);
    const { size, offset } = (yield CONTENTS) as { size: number; offset: number };
    yield* expect(')', `after the contents of ${path}`);
    return { type: 'regular', size, executable, narOffset: offset };
  }
  if (type === 'symlink') {
    yield* expect('target', `at ${path}`);
    const target = yield* readString();
    yield* expect(')', `after the target of ${path}`);
    return { type: 'symlink', target };
  }
  if (type !== 'directory') throw new NarFormatError(`unknown node type "${type.slice(0, 64)}" at ${path}`);
  const entries = new Map<string, NarListingNode>();
  let previous: string | undefined;
  for (;;) {
    const tag = yield* readString();
    if (tag === ')') return { type: 'directory', entries };
    if (tag !== 'entry')
      throw new NarFormatError(`expected "entry" or ")" in ${path}, got "${tag.slice(0, 64)}"`);
    yield* expect('(', `in an entry of ${path}`);
    yield* expect('name', `in an entry of ${path}`);
    const name = yield* readString();
    if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
      throw new NarFormatError(`invalid entry name ${JSON.stringify(name)} in ${path}`);
    }
    // Nix writes entries sorted and refuses NARs that are not: one NAR per tree.
    if (previous !== undefined && Buffer.compare(Buffer.from(previous), Buffer.from(name)) >= 0) {
      throw new NarFormatError(
        `entry ${JSON.stringify(name)} in ${path} is not after ${JSON.stringify(previous)}`,
      );
    }
    previous = name;
    yield* expect('node', `in the entry ${name} of ${path}`);
    const child = yield* parseNode(path === '/' ? `/${name}` : `${path}/${name}`);
    entries.set(name, child);
    yield* expect(')', `after the entry ${name} of ${path}`);
  }
}

function* parseNar(): Parse {
  yield* expect('nix-archive-1', 'at the start of the NAR');
  return yield* parseNode('/');
}

const padOf = (n: number) => (8 - (n % 8)) % 8;

/** Builds the listing of a NAR fed to it in chunks; `end()` returns it once the NAR is complete. */
export class NarListingParser {
  private readonly parse = parseNar();
  private need: Need | undefined;
  private result: NarListingNode | undefined;
  /** Bytes received but not yet parsed (only ever a few small strings' worth). */
  private held: Buffer = Buffer.alloc(0);
  /** Contents (and padding) still to be skipped, not held. */
  private skipping = 0;
  private padZerosToCheck = 0;
  private offset = 0;

  constructor() {
    this.advance(undefined);
  }

  push(chunk: Buffer): void {
    let data = chunk;
    while (data.length > 0) {
      if (this.result !== undefined)
        throw new NarFormatError(`bytes after the end of the NAR at offset ${this.offset}`);
      if (this.skipping > 0) {
        const n = Math.min(this.skipping, data.length);
        const padStart = Math.min(n, this.skipping - this.padZerosToCheck);
        for (let i = padStart; i < n; i++) {
          if (data[i] !== 0) throw new NarFormatError(`non-zero padding at offset ${this.offset + i}`);
        }
        this.padZerosToCheck -= n - padStart;
        this.skipping -= n;
        this.offset += n;
        data = data.subarray(n);
        continue;
      }
      this.held = this.held.length === 0 ? data : Buffer.concat([this.held, data]);
      data = Buffer.alloc(0);
      this.drainHeld();
    }
  }

  /** The listing; throws if the NAR ended early. */
  end(): NarListingNode {
    if (this.result === undefined || this.held.length > 0 || this.skipping > 0) {
      throw new NarFormatError(`the NAR ends early, after ${this.offset + this.held.length} bytes`);
    }
    return this.result;
  }

  private drainHeld(): void {
    while (this.result === undefined && this.skipping === 0) {
      if (this.held.length < 8) return;
      const length = Number(this.held.readBigUInt64LE(0));
      if (this.need!.kind === 'contents') {
        const contentOffset = this.offset + 8;
        this.consume(8);
        const rest = this.held;
        this.held = Buffer.alloc(0);
        this.skipping = length + padOf(length);
        this.padZerosToCheck = padOf(length);
        this.advance({ size: length, offset: contentOffset });
        if (rest.length > 0) this.push(rest);
        return;
      }
      if (length > MAX_STRING) throw new NarFormatError(`a ${length}-byte string at offset ${this.offset}`);
      const total = 8 + length + padOf(length);
      if (this.held.length < total) return;
      for (let i = 8 + length; i < total; i++) {
        if (this.held[i] !== 0) throw new NarFormatError(`non-zero padding at offset ${this.offset + i}`);
      }
      const text = this.held.toString('utf8', 8, 8 + length);
      this.consume(total);
      this.advance(text);
    }
    if (this.result !== undefined && this.held.length > 0) {
      throw new NarFormatError(`bytes after the end of the NAR at offset ${this.offset}`);
    }
  }

  private consume(n: number): void {
    this.held = this.held.subarray(n);
    this.offset += n;
  }

  private advance(got: Got | undefined): void {
    const step = this.parse.next(got as Got);
    if (step.done) {
      this.result = step.value;
      this.need = undefined;
    } else this.need = step.value;
  }
}

/** The listing of a complete NAR held in memory. */
export function listNar(nar: Buffer): NarListingNode {
  const parser = new NarListingParser();
  parser.push(nar);
  return parser.end();
}

/** The `.ls` file for a listing, byte for byte as Nix 2.8 writes it (no spaces). */
export function formatNarListing(root: NarListingNode): string {
  return `{"version":1,"root":${formatNode(root)}}`;
}

function formatNode(node: NarListingNode): string {
  switch (node.type) {
    case 'regular': {
      const fields = ['"type":"regular"', `"size":${node.size}`];
      if (node.executable) fields.push('"executable":true');
      if (node.narOffset !== 0) fields.push(`"narOffset":${node.narOffset}`);
      return `{${fields.join(',')}}`;
    }
    case 'symlink':
      return `{"type":"symlink","target":${JSON.stringify(node.target)}}`;
    case 'directory': {
      // Entries were checked to be in byte order while parsing.
      const entries = [...node.entries].map(
        ([name, child]) => `${JSON.stringify(name)}:${formatNode(child)}`,
      );
      return `{"type":"directory","entries":{${entries.join(',')}}}`;
    }
  }
}
