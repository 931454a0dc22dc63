import { expect, test } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import { KEY_A, KEY_A_BYTES, KEY_B, KEY_B_BYTES } from './fixtures.js';

const W2_BYTES = new Uint8Array(32).fill(0xc3);
const W3_BYTES = new Uint8Array(32).fill(0xd4);

const FULL = `
state_dir = "/var/lib/tally"
log_level = "debug"

[publish]
enabled = true
name = "builder-x"
key_file = "/etc/tally/log.secret"
protocol = "nix"
origin = "tally.example.org/log"
max_batch_entries = 500
max_batch_delay_ms = 20
[publish.meta]
upstream = "https://cache.x.example"
[publish.static]
dir = "/srv/www/tally"
[publish.s3]
bucket = "logs"
prefix = "tally/"
endpoint = "https://s3.example.org"
region = "eu-west-1"
force_path_style = true
[[publish.witness]]
name = "w2.example"
public_key = "w2.example:${Buffer.from(W2_BYTES).toString('base64')}"
url = "https://w2.example/witness/"

[api]
listen = "[::]:9102"
http_listen = "[::]:9108"
max_message_bytes = 1048576

[admin]
socket = "/run/tally/admin.sock"
listen = "127.0.0.1:9103"
token_file = "/etc/tally/admin.token"

[cache]
listen = "0.0.0.0:9101"
key_file = "/etc/tally/cache.secret"
store_dir = "/gnu/store"
priority = 10
want_mass_query = false
metrics_listen = "127.0.0.1:9104"
require_decided_references = false
upstream_timeout_ms = 4000
upstream_connect_timeout_ms = 1500
upstream_hedge_ms = 0
upstream_set_aside_ms = 2000
upstream_set_aside_max_ms = 60000

[follow_defaults]
poll_interval_seconds = 15
request_timeout_ms = 2000

[[follow]]
name = "builder-a"
public_key = "${KEY_A}"
address = "10.0.0.5:9002"
protocol = "nix"
weight = 2.5
origin = "a.example/log"
poll_interval_seconds = 5
request_timeout_ms = 900
witnesses = ["w2.example", "w3.example"]
witness_quorum = 1
max_witnessed_age_seconds = 600
[follow.meta]
upstream = "https://cache.builder-a.example"

[[follow]]
name = "builder-b"
public_key = "${KEY_B}"
address = "b.example:9002"

[decide]
cache_ttl_seconds = 0
cache_max_entries = 5
local_log_votes = true

[[policy]]
name = "only-a"
file = "builtin:name-match"
[policy.params]
name = "builder-a"

[[policy]]
name = "custom"
file = "/etc/tally/policy.lua"
[policy.params]
threshold = 50
trusted = ["builder-a", "local"]
[policy.params.weights]
builder-a = 1.5
[policy.limits]
instructions = 5000
memory_bytes = 2097152

[witness]
enabled = true
name = "w1.example"
key_file = "/etc/tally/witness.secret"
prefix = "/w"
followed_logs = true
audit = false
audit_name = "w1.example-audit"
audit_key_file = "/etc/tally/witness-audit.secret"

[[witness.log]]
origin = "a.example/log"
public_key = "${KEY_A}"

[[witnesses]]
name = "w2.example"
public_key = "w2.example:${Buffer.from(W2_BYTES).toString('base64')}"

[[witnesses]]
name = "w3.example"
public_key = "w3.example:${Buffer.from(W3_BYTES).toString('base64')}"
`;

test('a file setting every key becomes the expected typed config', () => {
  const expected: Config = {
    stateDir: '/var/lib/tally',
    logLevel: 'debug',
    publish: {
      enabled: true,
      name: 'builder-x',
      keyFile: '/etc/tally/log.secret',
      protocol: 'nix',
      origin: 'tally.example.org/log',
      maxBatchEntries: 500,
      maxBatchDelayMs: 20,
      meta: { upstream: 'https://cache.x.example' },
      staticDir: '/srv/www/tally',
      s3: {
        bucket: 'logs',
        prefix: 'tally/',
        endpoint: 'https://s3.example.org',
        region: 'eu-west-1',
        forcePathStyle: true,
      },
      witnesses: [
        { publicKey: { name: 'w2.example', publicKey: W2_BYTES }, url: 'https://w2.example/witness' },
      ],
    },
    api: {
      listen: { host: '::', port: 9102 },
      httpListen: { host: '::', port: 9108 },
      maxMessageBytes: 1048576,
    },
    admin: {
      socket: '/run/tally/admin.sock',
      listen: { host: '127.0.0.1', port: 9103 },
      tokenFile: '/etc/tally/admin.token',
    },
    cache: {
      listen: { host: '0.0.0.0', port: 9101 },
      keyFile: '/etc/tally/cache.secret',
      storeDir: '/gnu/store',
      priority: 10,
      wantMassQuery: false,
      metricsListen: { host: '127.0.0.1', port: 9104 },
      requireDecidedReferences: false,
      upstreamTimeoutMs: 4000,
      upstreamConnectTimeoutMs: 1500,
      upstreamHedgeMs: 0,
      upstreamSetAsideMs: 2000,
      upstreamSetAsideMaxMs: 60000,
    },
    follow: [
      {
        name: 'builder-a',
        publicKey: { name: 'builder-a-1', publicKey: KEY_A_BYTES },
        address: { host: '10.0.0.5', port: 9002 },
        url: undefined,
        mirror: false,
        maxCheckpointAgeSeconds: 86_400,
        protocol: 'nix',
        weight: 2.5,
        origin: 'a.example/log',
        pollIntervalSeconds: 5,
        requestTimeoutMs: 900,
        meta: { upstream: 'https://cache.builder-a.example' },
        witnesses: [
          { name: 'w2.example', publicKey: W2_BYTES },
          { name: 'w3.example', publicKey: W3_BYTES },
        ],
        witnessQuorum: 1,
        maxWitnessedAgeSeconds: 600,
      },
      {
        name: 'builder-b',
        publicKey: { name: 'builder-b-1', publicKey: KEY_B_BYTES },
        address: { host: 'b.example', port: 9002 },
        url: undefined,
        mirror: false,
        maxCheckpointAgeSeconds: 86_400,
        protocol: 'nix',
        weight: 1,
        origin: undefined,
        pollIntervalSeconds: 15, // from follow_defaults
        requestTimeoutMs: 2000,
        meta: {},
        witnesses: [],
        witnessQuorum: 0,
        maxWitnessedAgeSeconds: 86_400,
      },
    ],
    decide: { cacheTtlSeconds: 0, cacheMaxEntries: 5, localLogVotes: true },
    policy: [
      {
        name: 'only-a',
        source: { kind: 'builtin', name: 'name-match' },
        params: { name: 'builder-a' },
        limits: { instructions: 1000000, memoryBytes: 33554432 },
      },
      {
        name: 'custom',
        source: { kind: 'file', path: '/etc/tally/policy.lua' },
        params: { threshold: 50, trusted: ['builder-a', 'local'], weights: { 'builder-a': 1.5 } },
        limits: { instructions: 5000, memoryBytes: 2097152 },
      },
    ],
    witness: {
      enabled: true,
      name: 'w1.example',
      keyFile: '/etc/tally/witness.secret',
      prefix: '/w',
      followedLogs: true,
      audit: false,
      auditName: 'w1.example-audit',
      auditKeyFile: '/etc/tally/witness-audit.secret',
      logs: [{ origin: 'a.example/log', publicKey: { name: 'builder-a-1', publicKey: KEY_A_BYTES } }],
    },
  };
  expect(parseConfig(FULL, { file: '/etc/tally/tally.toml' })).toEqual(expected);
});
