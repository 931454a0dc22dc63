import path from 'node:path';
import type { ConfigFile } from './schema.js';
import type { Config, PolicySource, S3Config } from './types.js';

/**
 * Where relative paths start: state_dir resolves against the config file's directory (or, for
 * `--state DIR`, the working directory); every other relative path resolves against state_dir, so
 * keys, sockets and tokens move with the state and a config kept elsewhere (e.g. in the Nix store)
 * stays valid.
 */
export interface PathBases {
  configDir: string; // absolute
  cwd: string; // absolute
  stateDirOverride: string | undefined;
}

/** The validated file, renamed to camelCase, follow_defaults merged, paths made absolute. */
export function toConfig(file: ConfigFile, bases: PathBases): Config {
  const stateDir =
    bases.stateDirOverride !== undefined
      ? path.resolve(bases.cwd, bases.stateDirOverride)
      : path.resolve(bases.configDir, file.state_dir);
  const inState = (p: string | undefined): string | undefined =>
    p === undefined ? undefined : path.resolve(stateDir, p);
  const policySource = (source: PolicySource): PolicySource =>
    source.kind === 'file' ? { kind: 'file', path: path.resolve(stateDir, source.path) } : source;

  return {
    stateDir,
    logLevel: file.log_level,
    publish: {
      enabled: file.publish.enabled,
      name: file.publish.name,
      keyFile: inState(file.publish.key_file),
      protocol: file.publish.protocol,
      origin: file.publish.origin,
      maxBatchEntries: file.publish.max_batch_entries,
      maxBatchDelayMs: file.publish.max_batch_delay_ms,
      meta: file.publish.meta,
      staticDir: inState(file.publish.static.dir),
      s3: s3Config(file.publish.s3),
      witnesses: file.publish.witness.map((w) => ({ publicKey: w.public_key, url: w.url })),
    },
    api: {
      listen: file.api.listen,
      httpListen: file.api.http_listen,
      maxMessageBytes: file.api.max_message_bytes,
    },
    admin: {
      socket: inState(file.admin.socket),
      listen: file.admin.listen,
      tokenFile: inState(file.admin.token_file),
    },
    cache: {
      listen: file.cache.listen,
      keyFile: inState(file.cache.key_file),
      storeDir: file.cache.store_dir,
      priority: file.cache.priority,
      wantMassQuery: file.cache.want_mass_query,
      metricsListen: file.cache.metrics_listen,
      requireDecidedReferences: file.cache.require_decided_references,
      upstreamTimeoutMs: file.cache.upstream_timeout_ms,
      upstreamConnectTimeoutMs: file.cache.upstream_connect_timeout_ms,
      upstreamHedgeMs: file.cache.upstream_hedge_ms,
      upstreamSetAsideMs: file.cache.upstream_set_aside_ms,
      upstreamSetAsideMaxMs: file.cache.upstream_set_aside_max_ms,
    },
    follow: file.follow.map((follow) => ({
      name: follow.name,
      publicKey: follow.public_key,
      address: follow.address,
      url: follow.url,
      mirror: follow.mirror,
      maxCheckpointAgeSeconds: follow.max_checkpoint_age_seconds,
      protocol: follow.protocol,
      weight: follow.weight,
      origin: follow.origin,
      pollIntervalSeconds: follow.poll_interval_seconds ?? file.follow_defaults.poll_interval_seconds,
      requestTimeoutMs: follow.request_timeout_ms ?? file.follow_defaults.request_timeout_ms,
      meta: follow.meta,
      witnesses: follow.witnesses.map((name) => file.witnesses.find((w) => w.name === name)!.public_key),
      witnessQuorum: follow.witness_quorum ?? follow.witnesses.length,
      maxWitnessedAgeSeconds: follow.max_witnessed_age_seconds,
    })),
    decide: {
      cacheTtlSeconds: file.decide.cache_ttl_seconds,
      cacheMaxEntries: file.decide.cache_max_entries,
      localLogVotes: file.decide.local_log_votes,
    },
    policy: file.policy.map((policy) => ({
      name: policy.name,
      source: policySource(policy.file),
      params: policy.params,
      limits: { instructions: policy.limits.instructions, memoryBytes: policy.limits.memory_bytes },
    })),
    witness: {
      enabled: file.witness.enabled,
      name: file.witness.name,
      keyFile: inState(file.witness.key_file),
      prefix: file.witness.prefix,
      followedLogs: file.witness.followed_logs,
      audit: file.witness.audit,
      auditName: file.witness.audit_name,
      auditKeyFile: inState(file.witness.audit_key_file),
      logs: file.witness.log.map((log) => ({ origin: log.origin, publicKey: log.public_key })),
    },
  };
}

function s3Config(s3: ConfigFile['publish']['s3']): S3Config | undefined {
  if (s3.bucket === '') return undefined;
  return {
    bucket: s3.bucket,
    prefix: s3.prefix,
    endpoint: s3.endpoint === '' ? undefined : s3.endpoint,
    region: s3.region === '' ? undefined : s3.region,
    forcePathStyle: s3.force_path_style,
  };
}
