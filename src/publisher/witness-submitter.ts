import type { Logger } from 'pino';
import type { PublicKey } from '../crypto/ed25519-keys.js';
import { parseNote } from '../crypto/signed-note.js';
import { parseTlogCheckpointBody } from '../checkpoint/checkpoint.js';
import { TallyError } from '../errors.js';
import type { LogStore } from '../store/log-store.js';
import { formatAddCheckpointBody, parseLatestSizeBody } from '../witness/add-checkpoint.js';
import { postAddCheckpoint, type WitnessRequestLimits } from './witness-client.js';
import type { WitnessCosignatures } from './witness-cosignatures.js';
import { BackgroundRetry } from './background-retry.js';

/** What `tally logs` and the metrics show of one witness of the published log. */
export interface WitnessCosigningStatus {
  name: string;
  url: string;
  /** The size of the newest checkpoint of this log the witness validly cosigned (kept); undefined: none. */
  cosignedSize: number | undefined;
  /** Why the last attempt failed; '' when it succeeded (or none was made yet). */
  lastError: string;
  /** When the last submission was attempted, ms since the epoch; undefined: not yet. */
  lastAttemptMs: number | undefined;
  /** Attempts that failed since the daemon started. */
  failures: number;
}

/** One request's bounds: a slow or silent witness costs at most this, then backoff. */
export const WITNESS_REQUEST_LIMITS: WitnessRequestLimits = { timeoutMs: 10_000, maxBytes: 64 * 1024 };
/** A 409 teaches the witness's size; more than a few in a row means it keeps moving or disagrees. */
const CONFLICTS_PER_ATTEMPT = 3;

/**
 * Submits the published log's latest checkpoint to one witness (C2SP tlog-witness add-checkpoint),
 * off the submission path: a commit only notifies it, as it does the static copies. It sends the
 * consistency proof from the size the witness last cosigned; a 409 answers with that size, and
 * the request is retried with the right proof. The cosignature lines of the answer that verify
 * under the configured key are kept (WitnessCosignatures); anything else is an error. A failing
 * witness is retried with a growing delay (1 s doubling, at most 5 minutes); newer checkpoints
 * meanwhile only mark that another round is due. It never fails a submission or the daemon.
 */
export class WitnessSubmitter extends BackgroundRetry {
  /** The witness's latest cosigned size for this log, as it last told us; undefined: not known. */
  private witnessSize: number | undefined;
  private lastError = '';
  private lastAttemptMs: number | undefined;

  constructor(
    private readonly store: LogStore,
    private readonly witness: { publicKey: PublicKey; url: string },
    private readonly cosignatures: WitnessCosignatures,
    private readonly logger: Logger,
    /** Told when a new cosignature is kept (static copies then rewrite their checkpoint). */
    private readonly onCosigned: () => void,
    private readonly limits: WitnessRequestLimits = WITNESS_REQUEST_LIMITS,
  ) {
    super();
    const text = cosignatures.cosignedText(this.name);
    if (text !== undefined) this.witnessSize = parseTlogCheckpointBody(text).size;
  }

  get name(): string {
    return this.witness.publicKey.name;
  }

  get status(): WitnessCosigningStatus {
    const text = this.cosignatures.cosignedText(this.name);
    return {
      name: this.name,
      url: this.witness.url,
      cosignedSize: text === undefined ? undefined : parseTlogCheckpointBody(text).size,
      lastError: this.lastError,
      lastAttemptMs: this.lastAttemptMs,
      failures: this.failures,
    };
  }

  protected failed(err: Error, retryInMs: number): void {
    this.lastError = err.message;
    this.logger.warn({ witness: this.name, err: err.message, retryInMs }, 'witness submission failed');
  }

  protected override succeeded(): void {
    this.lastError = '';
  }

  /** Submits the current head. */
  protected async runOnce(): Promise<void> {
    const { checkpoint, note } = this.store.getHead();
    if (checkpoint.size === 0) return; // nothing to witness yet
    const { text } = parseNote(note);
    if (this.cosignatures.cosignedText(this.name) === text) return;
    for (let conflicts = 0; !this.stopped; conflicts++) {
      const old = this.witnessSize ?? 0;
      if (old > checkpoint.size) {
        throw new TallyError(
          'FAILED_PRECONDITION',
          `the witness has cosigned size ${old} of this log, larger than its size ${checkpoint.size}`,
        );
      }
      const proof =
        old === 0 || old === checkpoint.size ? [] : this.store.consistencyProof(old, checkpoint.size);
      this.lastAttemptMs = Date.now();
      const answer = await postAddCheckpoint(
        this.witness.url,
        formatAddCheckpointBody(old, proof, note),
        this.limits,
      );
      if (answer.status === 200) {
        const kept = await this.cosignatures.keep(note, answer.body, this.witness.publicKey);
        if (kept === 0) {
          throw new TallyError(
            'UNAVAILABLE',
            `the witness answered 200 without a cosignature that verifies under its configured key`,
          );
        }
        this.witnessSize = checkpoint.size;
        this.logger.debug({ witness: this.name, size: checkpoint.size }, 'checkpoint cosigned');
        this.onCosigned();
        return;
      }
      const detail = answer.body.slice(0, 300).trim();
      if (answer.status !== 409 || !/^text\/x\.tlog\.size\b/.test(answer.contentType)) {
        throw new TallyError('UNAVAILABLE', `the witness answered HTTP ${answer.status}: ${detail}`);
      }
      const latest = parseLatestSizeBody(answer.body);
      if (conflicts + 1 >= CONFLICTS_PER_ATTEMPT || latest === old) {
        this.witnessSize = latest;
        throw new TallyError(
          'UNAVAILABLE',
          `the witness answered 409 with its latest size ${latest} (sent old ${old}, size ${checkpoint.size})` +
            (latest === old ? ': it cosigned another tree at that size, or refuses this one' : ''),
        );
      }
      this.witnessSize = latest;
    }
  }
}
