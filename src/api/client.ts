import path from 'node:path';
import {
  Channel,
  credentials,
  Metadata,
  type CallOptions,
  type ClientUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
import { InvalidArgumentError, TallyError } from '../errors.js';
import {
  AdminServiceClient,
  type DecideRequest,
  type DecideResponse,
  type GetEvidenceRequest,
  type GetEvidenceResponse,
  type ResetFollowedLogRequest,
  type AuditLogRequest,
  type AuditLogResponse,
  type ResetFollowedLogResponse,
  type SubmitRequest,
  type SubmitResponse,
} from './gen/tally/v1/admin.js';
import {
  LogServiceClient,
  type GetConsistencyProofRequest,
  type GetConsistencyProofResponse,
  type GetEntriesRequest,
  type GetEntriesResponse,
  type GetHeadRequest,
  type GetHeadResponse,
  type GetInclusionProofRequest,
  type GetInclusionProofResponse,
  type LookupManyRequest,
  type LookupManyResponse,
  type LookupRequest,
  type LookupResponse,
} from './gen/tally/v1/log.js';
import {
  NodeServiceClient,
  type GetValueRequest,
  type GetValueResponse,
  type ListLogsRequest,
  type ListLogsResponse,
} from './gen/tally/v1/node.js';
import { GRPC_CLIENT_OPTIONS } from './limits.js';
import { tallyErrorFromGrpc } from './status.js';

/*
 * Promise-based clients for tally's gRPC services, shared by the CLI, the follower and tests.
 * Every call gets a deadline and fails with a TallyError (see status.ts) whose message starts with
 * the RPC and the target, followed by the server's own message.
 */

/** Per-call deadline unless ClientOptions.deadlineMs says otherwise. */
export const DEFAULT_DEADLINE_MS = 10_000;

export interface ClientOptions {
  /** Deadline of each call in milliseconds, counted from its start. */
  deadlineMs?: number;
}

/** Where the admin service listens: the node's Unix socket, or TCP with the admin bearer token. */
export type AdminTarget = { socketPath: string } | { address: string; token: string };

type Callback<Response> = (error: ServiceError | null, response: Response) => void;
type Invoke<Response> = (
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: Callback<Response>,
) => ClientUnaryCall;

/** One channel shared by a client's services, plus what every call on it needs. */
class Connection {
  readonly channel: Channel;
  private readonly deadlineMs: number;
  private closed = false;

  constructor(
    readonly target: string,
    private readonly callMetadata: () => Metadata,
    options: ClientOptions,
  ) {
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    if (!Number.isFinite(this.deadlineMs) || this.deadlineMs <= 0) {
      throw new InvalidArgumentError(`deadlineMs must be a positive number, got ${this.deadlineMs}`);
    }
    // Plaintext: public answers are verified against signed checkpoints, and admin traffic is on a
    // Unix socket or carries its own token.
    this.channel = new Channel(target, credentials.createInsecure(), GRPC_CLIENT_OPTIONS);
  }

  /** A generated service client (LogServiceClient...) on this connection's channel. */
  serviceClient<Client>(
    ClientClass: new (...args: ConstructorParameters<typeof LogServiceClient>) => Client,
  ): Client {
    return new ClientClass(this.target, credentials.createInsecure(), { channelOverride: this.channel });
  }

  call<Response>(rpc: string, invoke: Invoke<Response>): Promise<Response> {
    const context = `${rpc} at ${this.target}`;
    // grpc-js throws synchronously on a closed channel; say so in tally's terms instead.
    if (this.closed) return Promise.reject(new TallyError('UNAVAILABLE', `${context}: client is closed`));
    return new Promise((resolve, reject) => {
      try {
        invoke(this.callMetadata(), { deadline: Date.now() + this.deadlineMs }, (error, response) => {
          if (error) reject(tallyErrorFromGrpc(error, context));
          else resolve(response);
        });
      } catch (error) {
        reject(tallyErrorFromGrpc(error, context));
      }
    });
  }

  close(): void {
    this.closed = true;
    this.channel.close();
  }
}

/** LogService and NodeService of one node: public, read-only, unauthenticated. */
export class PublicClient {
  private readonly log: LogServiceClient;
  private readonly node: NodeServiceClient;

  constructor(private readonly connection: Connection) {
    this.log = connection.serviceClient(LogServiceClient);
    this.node = connection.serviceClient(NodeServiceClient);
  }

  getHead(request: GetHeadRequest): Promise<GetHeadResponse> {
    return this.connection.call('LogService.GetHead', (md, opts, cb) =>
      this.log.getHead(request, md, opts, cb),
    );
  }

  getEntries(request: GetEntriesRequest): Promise<GetEntriesResponse> {
    return this.connection.call('LogService.GetEntries', (md, opts, cb) =>
      this.log.getEntries(request, md, opts, cb),
    );
  }

  getInclusionProof(request: GetInclusionProofRequest): Promise<GetInclusionProofResponse> {
    return this.connection.call('LogService.GetInclusionProof', (md, opts, cb) =>
      this.log.getInclusionProof(request, md, opts, cb),
    );
  }

  getConsistencyProof(request: GetConsistencyProofRequest): Promise<GetConsistencyProofResponse> {
    return this.connection.call('LogService.GetConsistencyProof', (md, opts, cb) =>
      this.log.getConsistencyProof(request, md, opts, cb),
    );
  }

  lookup(request: LookupRequest): Promise<LookupResponse> {
    return this.connection.call('LogService.Lookup', (md, opts, cb) =>
      this.log.lookup(request, md, opts, cb),
    );
  }
  lookupMany(request: LookupManyRequest): Promise<LookupManyResponse> {
    return this.connection.call('LogService.LookupMany', (md, opts, cb) =>
      this.log.lookupMany(request, md, opts, cb),
    );
  }

  listLogs(request: ListLogsRequest = {}): Promise<ListLogsResponse> {
    return this.connection.call('NodeService.ListLogs', (md, opts, cb) =>
      this.node.listLogs(request, md, opts, cb),
    );
  }

  getValue(request: GetValueRequest): Promise<GetValueResponse> {
    return this.connection.call('NodeService.GetValue', (md, opts, cb) =>
      this.node.getValue(request, md, opts, cb),
    );
  }

  /** Closes the channel; later calls fail with UNAVAILABLE. */
  close(): void {
    this.connection.close();
  }
}

/** AdminService of one node. */
export class AdminClient {
  private readonly admin: AdminServiceClient;

  constructor(private readonly connection: Connection) {
    this.admin = connection.serviceClient(AdminServiceClient);
  }

  submit(request: SubmitRequest): Promise<SubmitResponse> {
    return this.connection.call('AdminService.Submit', (md, opts, cb) =>
      this.admin.submit(request, md, opts, cb),
    );
  }

  decide(request: DecideRequest): Promise<DecideResponse> {
    return this.connection.call('AdminService.Decide', (md, opts, cb) =>
      this.admin.decide(request, md, opts, cb),
    );
  }

  getEvidence(request: GetEvidenceRequest): Promise<GetEvidenceResponse> {
    return this.connection.call('AdminService.GetEvidence', (md, opts, cb) =>
      this.admin.getEvidence(request, md, opts, cb),
    );
  }

  resetFollowedLog(request: ResetFollowedLogRequest): Promise<ResetFollowedLogResponse> {
    return this.connection.call('AdminService.ResetFollowedLog', (md, opts, cb) =>
      this.admin.resetFollowedLog(request, md, opts, cb),
    );
  }

  auditLog(request: AuditLogRequest): Promise<AuditLogResponse> {
    return this.connection.call('AdminService.AuditLog', (md, opts, cb) =>
      this.admin.auditLog(request, md, opts, cb),
    );
  }

  /** Closes the channel; later calls fail with UNAVAILABLE. */
  close(): void {
    this.connection.close();
  }
}

/**
 * A client for a node's public services. `address` is a gRPC target: "host:port", or
 * "unix:///absolute/path" for a Unix socket. Connects lazily, on the first call.
 */
export function connectPublic(address: string, options: ClientOptions = {}): PublicClient {
  return new PublicClient(new Connection(address, () => new Metadata(), options));
}

/** A client for a node's admin service, over its Unix socket or over TCP with the bearer token. */
export function connectAdmin(target: AdminTarget, options: ClientOptions = {}): AdminClient {
  if ('socketPath' in target) {
    const address = `unix://${path.resolve(target.socketPath)}`;
    return new AdminClient(new Connection(address, () => new Metadata(), options));
  }
  if (target.token === '') throw new InvalidArgumentError('admin token must not be empty over TCP');
  const bearer = `Bearer ${target.token}`;
  const withToken = (): Metadata => {
    const metadata = new Metadata();
    metadata.set('authorization', bearer);
    return metadata;
  };
  return new AdminClient(new Connection(target.address, withToken, options));
}
