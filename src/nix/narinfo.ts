import { InvalidArgumentError } from '../errors.js';
import { normalizeContentAddress } from './content-address.js';
import { parseDecimal } from './decimal.js';
import { normalizeNarHash } from './nar-hash.js';
import { DEFAULT_STORE_DIR, parseStorePath, parseStorePathBaseName } from './store-path.js';

/**
 * `.narinfo` files, the metadata a binary cache serves at `/<hash>.narinfo`: `Key: value` lines.
 * Parsing is strict (Nix itself is lenient: later duplicates win, unknown values are ignored) so a
 * narinfo that tally accepts means one thing. Printing uses Nix's own key order, so a narinfo
 * written by `nix copy` prints back byte for byte.
 */
export interface Narinfo {
  storePath: string;
  url: string;
  /** Always set: a missing `Compression` line means bzip2 to Nix, so parsing fills that in. */
  compression: string;
  fileHash?: string;
  fileSize?: number;
  /** `sha256:<nix32>`. */
  narHash: string;
  narSize: number;
  /** Basenames, in file order. */
  references: string[];
  /** Basename of the .drv; absent when unknown. */
  deriver?: string;
  system?: string;
  /** `keyname:base64(signature)`, in file order. */
  sigs: string[];
  ca?: string;
  /** Keys tally does not know, in file order; printed after the known ones. */
  unknown: Array<{ key: string; value: string }>;
}

export interface NarinfoOptions {
  storeDir?: string;
}

export const MAX_NARINFO_BYTES = 64 * 1024;

/** A missing Compression line is read by Nix as bzip2. */
export const NIX_DEFAULT_COMPRESSION = 'bzip2';

const KEY = /^[A-Za-z][A-Za-z0-9_-]*$/;
// C0 controls and DEL are never part of a narinfo value.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;
const SIG = /^[^\s:]+:[A-Za-z0-9+/]+={0,2}$/;

const KNOWN_KEYS = [
  'StorePath',
  'URL',
  'Compression',
  'FileHash',
  'FileSize',
  'NarHash',
  'NarSize',
  'References',
  'Deriver',
  'System',
  'Sig',
  'CA',
] as const;
type KnownKey = (typeof KNOWN_KEYS)[number];
const REQUIRED_KEYS: KnownKey[] = ['StorePath', 'URL', 'NarHash', 'NarSize'];

const utf8 = new TextDecoder('utf-8', { fatal: true });

function toText(input: string | Uint8Array): string {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.length;
  if (size > MAX_NARINFO_BYTES) {
    throw new InvalidArgumentError(`narinfo is ${size} bytes, more than ${MAX_NARINFO_BYTES}`);
  }
  if (typeof input === 'string') return input;
  try {
    return utf8.decode(input);
  } catch {
    throw new InvalidArgumentError('narinfo is not valid UTF-8');
  }
}

function parseReferences(value: string, storeDir: string, at: string): string[] {
  if (value === '') return [];
  const refs = value.split(' ');
  const seen = new Set<string>();
  for (const ref of refs) {
    if (ref === '') throw new InvalidArgumentError(`${at}: references must be separated by single spaces`);
    parseStorePathBaseName(ref, storeDir);
    if (seen.has(ref)) throw new InvalidArgumentError(`${at}: ${ref} is listed twice`);
    seen.add(ref);
  }
  return refs;
}

export function parseNarinfo(input: string | Uint8Array, options: NarinfoOptions = {}): Narinfo {
  const storeDir = options.storeDir ?? DEFAULT_STORE_DIR;
  const text = toText(input);
  if (text.length > 0 && !text.endsWith('\n')) {
    throw new InvalidArgumentError('narinfo must end with a line feed');
  }
  const seen = new Set<string>();
  const fields = new Map<KnownKey, string>();
  const sigs: string[] = [];
  const unknown: Narinfo['unknown'] = [];
  const lines = text === '' ? [] : text.slice(0, -1).split('\n');
  lines.forEach((line, i) => {
    const sep = line.indexOf(': ');
    const key = sep < 0 ? '' : line.slice(0, sep);
    if (!KEY.test(key)) {
      throw new InvalidArgumentError(
        `narinfo line ${i + 1}: expected "Key: value", got ${JSON.stringify(line.slice(0, 80))}`,
      );
    }
    const value = line.slice(sep + 2);
    const at = `narinfo line ${i + 1} (${key})`;
    if (CONTROL.test(value)) throw new InvalidArgumentError(`${at}: value contains a control character`);
    if (key === 'Sig') {
      if (!SIG.test(value)) throw new InvalidArgumentError(`${at}: expected "keyname:base64"`);
      sigs.push(value);
      return;
    }
    if (seen.has(key)) throw new InvalidArgumentError(`${at}: duplicate key`);
    seen.add(key);
    if ((KNOWN_KEYS as readonly string[]).includes(key)) {
      // Validate here so the error names the line; the values are normalised below.
      fields.set(key as KnownKey, value);
      validateField(key as KnownKey, value, storeDir, at);
    } else {
      unknown.push({ key, value });
    }
  });
  for (const key of REQUIRED_KEYS) {
    if (!fields.has(key)) throw new InvalidArgumentError(`narinfo: missing required key ${key}`);
  }
  const get = (key: KnownKey): string | undefined => fields.get(key);
  const narinfo: Narinfo = {
    storePath: get('StorePath')!,
    url: get('URL')!,
    compression: get('Compression') ?? NIX_DEFAULT_COMPRESSION,
    narHash: normalizeNarHash(get('NarHash')!),
    narSize: parseDecimal(get('NarSize')!, 'NarSize'),
    references: parseReferences(get('References') ?? '', storeDir, 'References'),
    sigs,
    unknown,
  };
  const fileHash = get('FileHash');
  if (fileHash !== undefined) narinfo.fileHash = normalizeNarHash(fileHash);
  const fileSize = get('FileSize');
  if (fileSize !== undefined) narinfo.fileSize = parseDecimal(fileSize, 'FileSize');
  const deriver = get('Deriver');
  if (deriver !== undefined && deriver !== 'unknown-deriver') narinfo.deriver = deriver;
  const system = get('System');
  if (system !== undefined) narinfo.system = system;
  const ca = get('CA');
  if (ca !== undefined) narinfo.ca = normalizeContentAddress(ca);
  return narinfo;
}

function validateField(key: KnownKey, value: string, storeDir: string, at: string): void {
  try {
    switch (key) {
      case 'StorePath':
        parseStorePath(value, storeDir);
        break;
      case 'URL':
      case 'Compression':
      case 'System':
        if (value === '') throw new InvalidArgumentError('must not be empty');
        break;
      case 'FileHash':
      case 'NarHash':
        normalizeNarHash(value);
        break;
      case 'FileSize':
        parseDecimal(value, key);
        break;
      case 'NarSize':
        // Nix treats NarSize 0 as a corrupt narinfo.
        if (parseDecimal(value, key) === 0) throw new InvalidArgumentError('must be greater than 0');
        break;
      case 'References':
        parseReferences(value, storeDir, key);
        break;
      case 'Deriver':
        if (value !== 'unknown-deriver') parseStorePathBaseName(value, storeDir);
        break;
      case 'CA':
        normalizeContentAddress(value);
        break;
    }
  } catch (e) {
    throw new InvalidArgumentError(`${at}: ${(e as Error).message}`);
  }
}

function assertPrintable(key: string, value: string): void {
  if (!KEY.test(key)) throw new InvalidArgumentError(`narinfo key ${JSON.stringify(key)} is not printable`);
  if (CONTROL.test(value))
    throw new InvalidArgumentError(`narinfo ${key}: value contains a control character`);
}

/**
 * Prints in Nix's key order (StorePath, URL, Compression, FileHash, FileSize, NarHash, NarSize,
 * References, Deriver, System, Sig..., CA), then unknown keys. `References: ` keeps its trailing
 * space when empty: Nix's parser needs the ": " separator on every line.
 */
export function printNarinfo(narinfo: Narinfo): string {
  if (narinfo.compression === '') {
    throw new InvalidArgumentError('narinfo Compression must not be empty (Nix would read it as bzip2)');
  }
  const lines: Array<[string, string]> = [
    ['StorePath', narinfo.storePath],
    ['URL', narinfo.url],
    ['Compression', narinfo.compression],
  ];
  if (narinfo.fileHash !== undefined) lines.push(['FileHash', narinfo.fileHash]);
  if (narinfo.fileSize !== undefined) lines.push(['FileSize', String(narinfo.fileSize)]);
  lines.push(['NarHash', narinfo.narHash], ['NarSize', String(narinfo.narSize)]);
  lines.push(['References', narinfo.references.join(' ')]);
  if (narinfo.deriver !== undefined) lines.push(['Deriver', narinfo.deriver]);
  if (narinfo.system !== undefined) lines.push(['System', narinfo.system]);
  for (const sig of narinfo.sigs) lines.push(['Sig', sig]);
  if (narinfo.ca !== undefined) lines.push(['CA', narinfo.ca]);
  for (const { key, value } of narinfo.unknown) {
    if ((KNOWN_KEYS as readonly string[]).includes(key)) {
      throw new InvalidArgumentError(`narinfo unknown key ${key} is a known key`);
    }
    lines.push([key, value]);
  }
  let out = '';
  for (const [key, value] of lines) {
    assertPrintable(key, value);
    out += `${key}: ${value}\n`;
  }
  return out;
}
