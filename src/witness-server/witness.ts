import type { Logger } from 'pino';
import { TallyError } from '../errors.js';
import type { PublicKey, SecretKey } from '../crypto/ed25519-keys.js';
import { cosignatureLine } from '../witness/cosignature.js';
import {
  checkAddCheckpoint,
  parseAddCheckpointBody,
  type AddCheckpointOutcome,
  type AddCheckpointRequest,
  type CosignedCheckpoint,
} from '../witness/add-checkpoint.js';
import type { WitnessEvidenceRecord } from './witness-evidence.js';
import { WitnessStore } from './witness-store.js';

/** A log the witness cosigns: its origin and the keys whose signature it trusts. */
export interface WitnessedLog {
  origin: string;
  publicKeys: PublicKey[];
}

/** An HTTP answer to add-checkpoint. */
export interface WitnessAnswer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * Whether this node's own audit checked the checkpoint with this note text: it mirrors the log,
 * stored that very checkpoint, replayed the entries up to its size and reproduced its tree root
 * and map root, and holds no evidence against the log. Never throws.
 */
export type AuditedCheckpointCheck = (origin: string, noteText: string, size: number) => Promise<boolean>;

/** The auditing witness's second key, and how it learns what the audit checked. */
export interface WitnessAudit {
  key: SecretKey;
  audited: AuditedCheckpointCheck;
}

export interface WitnessOptions {
  key: SecretKey;
  /** With it, a checkpoint the audit checked also gets a cosignature by the audit key. */
  audit?: WitnessAudit;
  logs: WitnessedLog[];
  storeDir: string;
  logger: Logger;
  /** Called with the status of every answer and the seconds it took (the requests metrics). */
  countAnswer?: (status: number, seconds: number) => void;
  /** POSIX seconds; the clock cosignatures are stamped with. */
  now?: () => number;
}

/** A log that forks or lies keeps at most this many evidence records at the witness. */
const MAX_EVIDENCE_PER_ORIGIN = 64;
const TEXT = 'text/plain; charset=utf-8';
const SIZE = 'text/x.tlog.size';

/**
 * A C2SP tlog-witness (docs/PROTOCOL.md "The witness"). Every origin's latest cosigned checkpoint
 * lives in memory and in the witness store. The check of a request and the update of its origin
 * run in one synchronous step, so two requests can never both pass against the same state (the
 * spec's rollback race); the answer waits until the update is durable.
 */
export class Witness {
  private recovering: Promise<void> | undefined;

  private constructor(
    private readonly options: WitnessOptions,
    private readonly store: WitnessStore,
    private readonly trusted: Map<string, PublicKey[]>,
    private latest: Map<string, CosignedCheckpoint>,
    private readonly evidenceCount: Map<string, number>,
  ) {}

  static async open(options: WitnessOptions): Promise<Witness> {
    const trusted = new Map<string, PublicKey[]>();
    for (const log of options.logs)
      trusted.set(log.origin, [...(trusted.get(log.origin) ?? []), ...log.publicKeys]);
    const store = await WitnessStore.open(options.storeDir);
    const evidenceCount = new Map<string, number>();
    for (const record of await store.evidence()) {
      evidenceCount.set(record.origin, (evidenceCount.get(record.origin) ?? 0) + 1);
    }
    return new Witness(options, store, trusted, await store.latest(), evidenceCount);
  }

  get name(): string {
    return this.options.key.name;
  }

  /** The origins this witness cosigns. */
  get origins(): string[] {
    return [...this.trusted.keys()];
  }

  /** Answers one add-checkpoint request body. Never throws for anything the body holds. */
  async addCheckpoint(body: Uint8Array): Promise<WitnessAnswer> {
    const start = performance.now();
    const answer = await this.answer(body);
    this.options.countAnswer?.(answer.status, (performance.now() - start) / 1000);
    return answer;
  }

  private async answer(body: Uint8Array): Promise<WitnessAnswer> {
    if (this.recovering) return text(503, 'the witness store failed a write; try again shortly');
    let request: AddCheckpointRequest;
    try {
      request = parseAddCheckpointBody(body);
    } catch (err) {
      if (!(err instanceof TallyError)) throw err;
      return text(400, err.message);
    }
    const origin = request.checkpoint.origin;
    const latest = this.latest.get(origin);
    // Check and update in one synchronous step: no await between them.
    const outcome = checkAddCheckpoint(request, this.trusted.get(origin), latest);
    if (outcome.status === 200) {
      this.latest.set(origin, outcome.next);
      const timestamp = this.now();
      const cosignature = cosignatureLine(request.text, this.options.key, timestamp);
      // Looked up while the state is on its way to disk; the audit never delays the base answer more.
      const audited = this.audited(origin, request);
      try {
        await this.store.putLatest(origin, outcome.next);
      } catch (err) {
        this.recoverFrom(err);
        return text(503, 'the witness could not store the checkpoint; it was not cosigned');
      }
      const { audit } = this.options;
      const auditLine =
        audit !== undefined && (await audited) ? cosignatureLine(request.text, audit.key, timestamp) : '';
      return { status: 200, contentType: TEXT, body: cosignature + auditLine };
    }
    if (outcome.evidence !== undefined && latest !== undefined)
      await this.keepEvidence(request, latest, outcome);
    if (outcome.status === 409) return { status: 409, contentType: SIZE, body: `${outcome.latestSize}\n` };
    return text(outcome.status, outcome.message);
  }

  /** Whether the audit key may cosign this checkpoint (docs/PROTOCOL.md "The auditing witness"). */
  private async audited(origin: string, request: AddCheckpointRequest): Promise<boolean> {
    const { audit } = this.options;
    if (audit === undefined) return false;
    try {
      return await audit.audited(origin, request.text, request.checkpoint.size);
    } catch (err) {
      this.options.logger.error({ err, origin }, 'witness: could not read the audit state');
      return false;
    }
  }

  private now(): number {
    return this.options.now?.() ?? Math.floor(Date.now() / 1000);
  }

  private async keepEvidence(
    request: AddCheckpointRequest,
    latest: CosignedCheckpoint,
    outcome: Exclude<AddCheckpointOutcome, { status: 200 }>,
  ): Promise<void> {
    const origin = request.checkpoint.origin;
    const count = this.evidenceCount.get(origin) ?? 0;
    if (count >= MAX_EVIDENCE_PER_ORIGIN) return;
    this.evidenceCount.set(origin, count + 1);
    const record: WitnessEvidenceRecord = {
      origin,
      kind: outcome.evidence!,
      detectedAtUnix: Math.floor(Date.now() / 1000),
      oldCheckpoint: latest.note,
      newCheckpoint: request.note,
      oldSize: request.oldSize,
      proof: request.proof.map((hash) => hash.toString('base64')),
      detail: outcome.message,
    };
    this.options.logger.warn(
      { origin, kind: record.kind, detail: record.detail },
      'witness: kept evidence of a misbehaving log',
    );
    try {
      await this.store.addEvidence(record);
    } catch (err) {
      // The answer stands; only the copy of the evidence is lost, and the log says so.
      this.options.logger.error({ err, origin }, 'witness: could not store evidence');
    }
  }

  /** After a failed write, the in-memory state may be ahead of the disk: reload it before answering again. */
  private recoverFrom(err: unknown): void {
    this.options.logger.error({ err }, 'witness: a store write failed; reloading the witness state');
    this.recovering ??= (async () => {
      await this.store.idle();
      this.latest = await this.store.latest();
      this.recovering = undefined;
    })().catch((reloadErr: unknown) => {
      // recovering stays set: every later request is answered 503 until a restart.
      this.options.logger.error({ err: reloadErr }, 'witness: cannot reload its state; answering 503');
    });
  }

  /** Every evidence record, oldest first. */
  evidence(): Promise<WitnessEvidenceRecord[]> {
    return this.store.evidence();
  }

  async close(): Promise<void> {
    await this.recovering?.catch(() => undefined);
    await this.store.close();
  }
}

function text(status: number, message: string): WitnessAnswer {
  return { status, contentType: TEXT, body: `${message}\n` };
}
