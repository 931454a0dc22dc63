import fs from 'node:fs';
import type { Logger } from 'pino';
import { TallyError } from '../errors.js';
import type { PublicKey } from '../crypto/ed25519-keys.js';
import { formatSignatureLine, parseNote } from '../crypto/signed-note.js';
import { sortSignatures, verifyCosignature } from '../witness/index.js';

/** A witness's newest cosignature lines of this log, and the checkpoint body they sign. */
interface KeptCosignature {
  /** The checkpoint's note text (body), ending in "\n". */
  text: string;
  /** The witness's signature lines over `text`, each ending in "\n"; every one verified. */
  lines: string;
}

interface CosignaturesFile {
  version: 1;
  witnesses: Record<string, KeptCosignature>;
}

/**
 * The newest verified cosignature of each [[publish.witness]] on this log's checkpoints, kept in
 * `<stateDir>/logs/<logId>.cosignatures.json` (replaced atomically, fsynced) so a restart still
 * serves them. The served checkpoint is the log's note plus every kept cosignature of that exact
 * body. Lines are verified before they are kept, and again when the file is read (under today's
 * witness keys: a witness removed or rekeyed in the config no longer counts).
 */
export class WitnessCosignatures {
  private writing: Promise<void> = Promise.resolve();
  private served: { note: string; withCosignatures: string } | undefined;

  private constructor(
    readonly file: string,
    private readonly kept: Map<string, KeptCosignature>,
  ) {}

  static async open(
    file: string,
    witnesses: readonly PublicKey[],
    logger: Logger,
  ): Promise<WitnessCosignatures> {
    const kept = new Map<string, KeptCosignature>();
    let parsed: CosignaturesFile | undefined;
    try {
      parsed = JSON.parse(await fs.promises.readFile(file, 'utf8')) as CosignaturesFile;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        logger.warn({ err, file }, 'cannot read the kept witness cosignatures; gathering them anew');
      }
    }
    for (const witness of witnesses) {
      const entry = parsed?.witnesses?.[witness.name];
      if (entry === undefined) continue;
      const lines = verifiedLines(entry.text, entry.lines, witness);
      if (lines === '')
        logger.warn({ witness: witness.name, file }, 'a kept cosignature does not verify; dropped');
      else kept.set(witness.name, { text: entry.text, lines });
    }
    return new WitnessCosignatures(file, kept);
  }

  /** The checkpoint body `witness` last cosigned, or undefined. */
  cosignedText(witness: string): string | undefined {
    return this.kept.get(witness)?.text;
  }

  /**
   * Keeps `witness`'s cosignature lines of `note` (the log's checkpoint) that verify under its
   * key, durably; returns how many it kept (0: none verified, nothing changed).
   */
  async keep(note: string, answerLines: string, witness: PublicKey): Promise<number> {
    const { text } = parseNote(note);
    const lines = verifiedLines(text, answerLines, witness);
    if (lines === '') return 0;
    this.kept.set(witness.name, { text, lines });
    await this.persist();
    this.served = undefined;
    return lines.split('\n').length - 1;
  }

  /** The log's checkpoint note with every kept cosignature of that exact checkpoint appended. */
  withCosignatures(note: string): string {
    if (this.served?.note === note) return this.served.withCosignatures;
    const { text } = parseNote(note);
    let served = note;
    for (const { text: cosigned, lines } of this.kept.values()) if (cosigned === text) served += lines;
    this.served = { note, withCosignatures: served };
    return served;
  }

  private persist(): Promise<void> {
    // One write at a time, each of the whole current state: the last one to finish is the newest.
    const write = this.writing.then(() => this.writeFile());
    this.writing = write.catch(() => {});
    return write;
  }

  private async writeFile(): Promise<void> {
    const content: CosignaturesFile = { version: 1, witnesses: Object.fromEntries(this.kept) };
    const temporary = `${this.file}.tmp`;
    const handle = await fs.promises.open(temporary, 'w', 0o644);
    try {
      await handle.writeFile(`${JSON.stringify(content, null, 1)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(temporary, this.file);
  }
}

/** The lines of `answer` that are valid cosignatures of `text` by `witness`, formatted; '' if none. */
function verifiedLines(text: string, answer: string, witness: PublicKey): string {
  let sorted;
  try {
    sorted = sortSignatures(`${text}\n${answer}`, [], [witness]);
  } catch (err) {
    if (err instanceof TallyError) return ''; // not signature lines at all
    throw err;
  }
  return sorted.cosignatures
    .filter(({ signature }) => verifyCosignature(text, signature, witness) !== undefined)
    .map(({ signature }) => formatSignatureLine(signature))
    .join('');
}
