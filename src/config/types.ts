import type { PublicKey } from '../crypto/ed25519-keys.js';
import type { HostPort } from './address.js';

/**
 * The daemon's validated configuration, in camelCase. Every value is concrete except where
 * `undefined` carries meaning ("use the default under state_dir", "derive it", "disabled");
 * `resolveStatePaths` turns the path defaults into absolute paths. Paths the file sets are already
 * absolute here (resolved against the config file's directory).
 */
export interface Config {
  stateDir: string; // absolute
  logLevel: LogLevel;
  publish: PublishConfig;
  api: ApiConfig;
  admin: AdminConfig;
  cache: CacheConfig;
  follow: FollowConfig[];
  decide: DecideConfig;
  policy: PolicyConfig[]; // a chain, tried in order until one decides; never empty
  witness: WitnessConfig;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const PROTOCOLS = ['nix'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export interface PublishConfig {
  enabled: boolean;
  name: string; // key name and log name
  keyFile: string | undefined; // undefined: <stateDir>/keys/<name>.secret, generated on first start
  protocol: Protocol;
  origin: string | undefined; // undefined: derived from the log ID
  maxBatchEntries: number;
  maxBatchDelayMs: number;
  meta: Record<string, string>;
  staticDir: string | undefined; // undefined: no static copy; else absolute, the copy under <staticDir>/logs/<log id>/
  s3: S3Config | undefined; // undefined: no S3 copy
  witnesses: PublishWitnessConfig[]; // [[publish.witness]]: each checkpoint is submitted to each
}

/** A witness the publisher gathers cosignatures from ([[publish.witness]]). */
export interface PublishWitnessConfig {
  publicKey: PublicKey; // its name is the witness's name
  url: string; // the submission prefix, no trailing "/": POST <url>/add-checkpoint
}

/** Where [publish.s3] puts the copy: objects `<prefix>logs/<log id>/<path>` in `bucket`. */
export interface S3Config {
  bucket: string;
  prefix: string; // "" or ending in "/"
  endpoint: string | undefined; // undefined: the SDK's default for the region
  region: string | undefined; // undefined: the SDK's chain (AWS_REGION, ~/.aws/config)
  forcePathStyle: boolean;
}

export interface ApiConfig {
  listen: HostPort | undefined; // undefined: the public gRPC API is off
  httpListen: HostPort | undefined; // undefined: the public HTTP read API (tlog-tiles) is off
  maxMessageBytes: number;
}

export interface AdminConfig {
  socket: string | undefined; // undefined: <stateDir>/admin.sock
  listen: HostPort | undefined; // optional TCP listener, always with tokenFile
  tokenFile: string | undefined;
}

export interface CacheConfig {
  listen: HostPort | undefined; // undefined: the binary cache proxy is off
  keyFile: string | undefined; // undefined: <stateDir>/keys/cache.secret
  storeDir: string;
  priority: number;
  wantMassQuery: boolean;
  metricsListen: HostPort | undefined;
  requireDecidedReferences: boolean;
  upstreamTimeoutMs: number;
  upstreamConnectTimeoutMs: number;
  upstreamHedgeMs: number; // 0: no hedging
  upstreamSetAsideMs: number;
  upstreamSetAsideMaxMs: number;
}

/** A followed log; follow_defaults are already merged in. */
export interface FollowConfig {
  name: string;
  publicKey: PublicKey; // the log ID is derived from it
  address: HostPort | undefined; // the gRPC API; undefined only with url
  /** The log's C2SP tlog-tiles prefix, ending in "/". */
  url: string | undefined;
  /** Copy the whole log over `url` and answer decisions from the copy. */
  mirror: boolean;
  /** A mirror votes while its checkpoint was last confirmed as the log's latest at most this long ago. */
  maxCheckpointAgeSeconds: number;
  protocol: Protocol;
  weight: number; // > 0
  origin: string | undefined; // undefined: derived from the log ID
  pollIntervalSeconds: number;
  requestTimeoutMs: number;
  meta: Record<string, string>; // e.g. upstream = the builder's binary cache URL
  /** The witnesses whose cosignatures count (from [[witnesses]]); empty: none required. */
  witnesses: PublicKey[];
  /** How many of `witnesses` must cosign a checkpoint for it to count; 0 when none are listed. */
  witnessQuorum: number;
  /** The last witnessed checkpoint votes while the log's latest had the quorum at most this long ago. */
  maxWitnessedAgeSeconds: number;
}

export interface DecideConfig {
  cacheTtlSeconds: number; // 0: decisions are not cached
  cacheMaxEntries: number;
  localLogVotes: boolean;
}

export const BUILTIN_POLICIES = ['percentage', 'name-match', 'weighted'] as const;
export type BuiltinPolicyName = (typeof BUILTIN_POLICIES)[number];

/** Where a policy's Lua comes from: `builtin:<name>` (lua-policies/<name>.lua) or a file. */
export type PolicySource = { kind: 'builtin'; name: BuiltinPolicyName } | { kind: 'file'; path: string };

/** What TOML can hold that a Lua table can receive (no dates). */
export type PolicyParam = string | number | boolean | PolicyParam[] | { [key: string]: PolicyParam };

export interface PolicyConfig {
  name: string;
  source: PolicySource;
  params: Record<string, PolicyParam>;
  limits: PolicyLimits;
}

export interface PolicyLimits {
  instructions: number;
  memoryBytes: number;
}

/** This node as a C2SP tlog-witness (docs/PROTOCOL.md "The witness"). */
export interface WitnessConfig {
  enabled: boolean;
  name: string | undefined; // the witness key's name; undefined: read from key_file
  keyFile: string | undefined; // undefined: <stateDir>/keys/witness.secret, generated on first start
  prefix: string; // the submission prefix on the HTTP listener, "" or "/a/b"
  followedLogs: boolean; // also witness every [[follow]] log
  /** Also cosign, with the audit key, checkpoints of mirrored logs the audit checked (PROTOCOL.md). */
  audit: boolean;
  auditName: string | undefined; // the audit key's name; undefined: "<witness name>-audit", or read from audit_key_file
  auditKeyFile: string | undefined; // undefined: <stateDir>/keys/witness-audit.secret, generated on first start
  logs: WitnessLogConfig[];
}

export interface WitnessLogConfig {
  origin: string;
  publicKey: PublicKey;
}
