import path from 'node:path';
import * as z from 'zod';
import { assertKeyName, parsePublicKey } from '../crypto/ed25519-keys.js';
import { isValidNoteKeyName, parsePublicKeyText } from '../crypto/signed-note.js';
import { CACHE_DEFAULTS } from './cache-defaults.js';
import { InvalidArgumentError } from '../errors.js';
import { type HostPort, parseHostPort } from './address.js';
import { checkCrossReferences } from './cross-references.js';
import {
  BUILTIN_POLICIES,
  type BuiltinPolicyName,
  LOG_LEVELS,
  type PolicyParam,
  type PolicySource,
  PROTOCOLS,
} from './types.js';

/**
 * The config file's schema: snake_case keys exactly as written in TOML, every table strict (a typo is
 * an error, never silently ignored), defaults embedded. Leaves are already parsed (addresses, public
 * keys, policy sources); `toConfig` renames to camelCase and resolves paths.
 *
 * Checks sit on the smallest value they read, so zod reports them together: a table's own checks
 * run whenever that table is valid, whatever its siblings hold. Only checks that read several
 * sections wait for the whole file (cross-references.ts).
 */

const MIB = 1024 * 1024;

function integer(min: number, max: number) {
  return z.number().int().min(min).max(max);
}

/** Runs a parser that throws InvalidArgumentError and reports its message as the issue. */
function parsedText<T>(parse: (text: string) => T) {
  return z.string().transform((text, ctx): T => {
    try {
      return parse(text);
    } catch (error) {
      if (!(error instanceof InvalidArgumentError)) throw error;
      ctx.addIssue({ code: 'custom', message: error.message, input: text });
      return z.NEVER;
    }
  });
}

const keyName = parsedText((text) => {
  assertKeyName(text);
  return text;
});

function hostPort(text: string, options: { allowPortZero: boolean }): HostPort {
  const parsed = parseHostPort(text, options);
  if ('error' in parsed) throw new InvalidArgumentError(parsed.error);
  return parsed;
}

const address = parsedText((text) => hostPort(text, { allowPortZero: false }));
/** "" turns the listener off; port 0 binds any free port (tests). */
const listenAddress = parsedText((text) =>
  text === '' ? undefined : hostPort(text, { allowPortZero: true }),
);
/** "" means "the default" (a path under state_dir). */
const optionalPath = z.string().transform((text) => (text === '' ? undefined : text));

/** A log's C2SP tlog-tiles prefix: http(s), ending in "/" (one is added), no query or fragment. */
const tilesUrl = z.string().transform((text, ctx): string | undefined => {
  if (text === '') return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: `not a URL: ${JSON.stringify(text)}`, input: text });
    return z.NEVER;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.search !== '' || url.hash !== '') {
    ctx.addIssue({
      code: 'custom',
      message: 'must be an http:// or https:// URL prefix without a query or fragment',
      input: text,
    });
    return z.NEVER;
  }
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
});

const origin = z
  .string()
  // eslint-disable-next-line no-control-regex
  .refine((text) => !/[\x00-\x1f\x7f]/.test(text), 'must be one line without control characters')
  .transform((text) => (text === '' ? undefined : text));

/** Free-form strings shown to followers; keys are identifiers so every consumer can echo them. */
const meta = z.record(
  z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must start with a letter, then up to 63 of [A-Za-z0-9_-]'),
  z.string(),
);

const policyParam: z.ZodType<PolicyParam> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.array(policyParam), z.record(z.string(), policyParam)]),
);

const policySource = parsedText((text): PolicySource => {
  if (text.startsWith('builtin:')) {
    const name = text.slice('builtin:'.length);
    if (!(BUILTIN_POLICIES as readonly string[]).includes(name)) {
      const known = BUILTIN_POLICIES.map((n) => `builtin:${n}`).join(', ');
      throw new InvalidArgumentError(`unknown built-in policy ${JSON.stringify(text)}; known: ${known}`);
    }
    return { kind: 'builtin', name: name as BuiltinPolicyName };
  }
  if (text === '') throw new InvalidArgumentError('expected "builtin:<name>" or the path of a Lua file');
  return { kind: 'file', path: text };
});

/** A static copy of the published log, written after every checkpoint. */
const publishStaticSection = z.strictObject({
  dir: optionalPath.prefault(''),
});

/** An S3 (or S3-compatible) copy of the published log; credentials come from the AWS SDK's usual chain. */
const publishS3Section = z.strictObject({
  bucket: z.string().default(''),
  prefix: z
    .string()
    .refine(
      (prefix) => prefix === '' || (prefix.endsWith('/') && !prefix.startsWith('/')),
      'must be "" or end with "/" (and not start with one), e.g. "tally/"',
    )
    .default(''),
  endpoint: z
    .string()
    .refine((url) => url === '' || URL.canParse(url), 'must be "" or a URL, e.g. "https://s3.example.org"')
    .default(''),
  region: z.string().default(''),
  force_path_style: z.boolean().default(false),
});

/**
 * A witness's name (the cosignature key's name, so a note key name) and its Ed25519 public key as
 * `name:base64`, as `<stateDir>/keys/witness.public` holds it. The key's name must be `name`.
 */
const witnessKeyFields = {
  name: z.string().refine(isValidNoteKeyName, 'must be a non-empty witness name without spaces or "+"'),
  public_key: parsedText(parsePublicKey),
};

function keyNamedAsWitness(witness: { name: string; public_key: { name: string } }, ctx: z.RefinementCtx) {
  if (witness.public_key.name !== witness.name) {
    ctx.addIssue({
      code: 'custom',
      path: ['public_key'],
      message: `the key is named ${JSON.stringify(witness.public_key.name)}, not ${JSON.stringify(witness.name)}: a cosignature's key ID covers the name`,
      input: witness.public_key,
    });
  }
}

/** Witnesses are named by `name`, so each name once in a list. */
function uniqueWitnessNames(list: string) {
  return (witnesses: readonly { name: string }[], ctx: z.RefinementCtx) => {
    const seen = new Map<string, number>();
    witnesses.forEach((witness, i) => {
      const earlier = seen.get(witness.name);
      if (earlier !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: `duplicate name ${JSON.stringify(witness.name)}, already used by ${list}[${earlier}]`,
          input: witness.name,
        });
      } else seen.set(witness.name, i);
    });
  };
}

/**
 * A witness the publisher submits each checkpoint to (C2SP tlog-witness): `url` is its submission
 * prefix, `<url>/add-checkpoint` is POSTed to. Kept without a trailing "/".
 */
const publishWitnessEntry = z
  .strictObject({
    ...witnessKeyFields,
    url: z.string().transform((text, ctx): string => {
      const url = URL.canParse(text) ? new URL(text) : undefined;
      if (
        url === undefined ||
        (url.protocol !== 'http:' && url.protocol !== 'https:') ||
        url.search !== '' ||
        url.hash !== ''
      ) {
        ctx.addIssue({
          code: 'custom',
          message: `must be the witness's http:// or https:// submission prefix without a query or fragment, e.g. "http://witness.example:9003/witness"; got ${JSON.stringify(text)}`,
          input: text,
        });
        return z.NEVER;
      }
      return url.href.replace(/\/+$/, '');
    }),
  })
  .superRefine(keyNamedAsWitness);

const publishSection = z.strictObject({
  enabled: z.boolean().default(true),
  name: keyName.prefault('tally'),
  key_file: optionalPath.prefault(''),
  protocol: z.enum(PROTOCOLS).default('nix'),
  origin: origin.prefault(''),
  max_batch_entries: integer(1, 100_000).default(10_000),
  max_batch_delay_ms: integer(0, 60_000).default(0),
  meta: meta.prefault({}),
  static: publishStaticSection.prefault({}),
  s3: publishS3Section.prefault({}),
  witness: z.array(publishWitnessEntry).superRefine(uniqueWitnessNames('publish.witness')).prefault([]),
});

const apiSection = z.strictObject({
  listen: listenAddress.prefault('127.0.0.1:9002'),
  http_listen: listenAddress.prefault('127.0.0.1:9003'),
  max_message_bytes: integer(1024, 256 * MIB).default(4 * MIB),
});

const adminSection = z
  .strictObject({
    socket: optionalPath.prefault(''),
    listen: listenAddress.prefault(''),
    token_file: optionalPath.prefault(''),
  })
  .superRefine((admin, ctx) => {
    if (admin.listen !== undefined && admin.token_file === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['token_file'],
        message: 'required when admin.listen is set: a TCP admin listener always needs a bearer token',
        input: admin,
      });
    }
  });

const cacheSection = z.strictObject({
  listen: listenAddress.prefault('127.0.0.1:9001'),
  key_file: optionalPath.prefault(''),
  store_dir: z
    .string()
    .refine((dir) => path.posix.isAbsolute(dir) && dir.length > 1 && !dir.endsWith('/'), {
      message: 'must be an absolute path without a trailing slash, e.g. "/nix/store"',
    })
    .default('/nix/store'),
  priority: integer(0, 10_000).default(40),
  want_mass_query: z.boolean().default(true),
  metrics_listen: listenAddress.prefault(''),
  require_decided_references: z.boolean().default(true),
  upstream_timeout_ms: integer(100, 600_000).default(CACHE_DEFAULTS.upstreamTimeoutMs),
  upstream_connect_timeout_ms: integer(100, 600_000).default(CACHE_DEFAULTS.upstreamConnectTimeoutMs),
  upstream_hedge_ms: integer(0, 600_000).default(CACHE_DEFAULTS.upstreamHedgeMs),
  upstream_set_aside_ms: integer(100, 86_400_000).default(CACHE_DEFAULTS.upstreamSetAsideMs),
  upstream_set_aside_max_ms: integer(100, 86_400_000).default(CACHE_DEFAULTS.upstreamSetAsideMaxMs),
});

const pollIntervalSeconds = integer(1, 86_400);
const requestTimeoutMs = integer(100, 600_000);

const followDefaultsSection = z.strictObject({
  poll_interval_seconds: pollIntervalSeconds.default(30),
  request_timeout_ms: requestTimeoutMs.default(5000),
});

const followEntry = z.strictObject({
  // "local" names this node's own log in policies, so no followed log may take it.
  name: keyName.refine((name) => name !== 'local', '"local" is reserved for this node\'s own log'),
  public_key: parsedText(parsePublicKey),
  // gRPC address; a log followed over its tiles (`url`) needs none.
  address: address.optional(),
  url: tilesUrl.prefault(''),
  mirror: z.boolean().default(false),
  // A mirror's votes count while its checkpoint was confirmed as the log's latest this recently.
  max_checkpoint_age_seconds: integer(1, 10 * 365 * 86_400).default(86_400),
  protocol: z.enum(PROTOCOLS).default('nix'),
  weight: z.number().gt(0).default(1),
  origin: origin.prefault(''),
  poll_interval_seconds: pollIntervalSeconds.optional(),
  request_timeout_ms: requestTimeoutMs.optional(),
  meta: meta.prefault({}),
  // Names of [[witnesses]] entries; a checkpoint counts only with witness_quorum of their cosignatures.
  witnesses: z.array(z.string()).prefault([]),
  // Default: every listed witness (checked against the list in cross-references.ts).
  witness_quorum: integer(1, 1000).optional(),
  // The last witnessed checkpoint votes while the log's latest carried the quorum this recently.
  max_witnessed_age_seconds: integer(1, 10 * 365 * 86_400).default(86_400),
});

const followList = z.array(followEntry).superRefine((follows, ctx) => {
  const byName = new Map<string, number>();
  const byKey = new Map<string, number>();
  follows.forEach((follow, i) => {
    if (follow.mirror && follow.url === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'url'],
        message: "mirror = true needs url, the log's tlog-tiles prefix",
        input: follow,
      });
    }
    if (follow.url === undefined && follow.address === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'address'],
        message: "needs address (the log's gRPC API) or url (its tlog-tiles prefix)",
        input: follow,
      });
    }
    follow.witnesses.forEach((name, j) => {
      if (follow.witnesses.indexOf(name) !== j) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'witnesses', j],
          message: `witness ${JSON.stringify(name)} is listed twice`,
          input: name,
        });
      }
    });
    const quorum = follow.witness_quorum;
    if (quorum !== undefined && quorum > follow.witnesses.length) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'witness_quorum'],
        message:
          follow.witnesses.length === 0
            ? 'needs witnesses: the names of [[witnesses]] entries whose cosignatures count'
            : `${quorum} is more than the ${follow.witnesses.length} witnesses listed`,
        input: quorum,
      });
    }
    const sameName = byName.get(follow.name);
    if (sameName !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'name'],
        message: `duplicate name ${JSON.stringify(follow.name)}, already used by follow[${sameName}]`,
        input: follow.name,
      });
    } else byName.set(follow.name, i);
    const keyHex = Buffer.from(follow.public_key.publicKey).toString('hex');
    const sameKey = byKey.get(keyHex);
    if (sameKey !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'public_key'],
        message: `the same public key as follow[${sameKey}]: one log cannot be followed twice`,
        input: follow.public_key,
      });
    } else byKey.set(keyHex, i);
  });
});

const decideSection = z.strictObject({
  cache_ttl_seconds: integer(0, 86_400).default(60),
  cache_max_entries: integer(1, 10_000_000).default(100_000),
  local_log_votes: z.boolean().default(false),
});

const policyEntry = z
  .strictObject({
    name: keyName,
    file: policySource,
    params: z.record(z.string(), policyParam).prefault({}),
    limits: z
      .strictObject({
        instructions: integer(1000, 1_000_000_000).default(1_000_000),
        memory_bytes: integer(MIB, 1024 * MIB).default(32 * MIB),
      })
      .prefault({}),
  })
  .superRefine((policy, ctx) => {
    // Which names exist is checked against the follow list in cross-references.ts.
    if (policy.file.kind === 'builtin' && policy.file.name === 'name-match') {
      if (typeof policy.params.name !== 'string') {
        ctx.addIssue({
          code: 'custom',
          path: ['params', 'name'],
          message: 'builtin:name-match needs params.name: the name of a followed log, or "local"',
          input: policy.params.name,
        });
      }
    }
  });

/** Used when the file has no [[policy]]: two thirds of all logs, and at least two, must agree. */
export const DEFAULT_POLICY = {
  name: 'two-thirds',
  file: 'builtin:percentage',
  params: { threshold: 66, min_agreeing: 2 },
};

const policyList = z
  .array(policyEntry)
  .min(1, 'needs at least one [[policy]]; leave policy out for the default chain')
  .superRefine((policies, ctx) => {
    const seen = new Map<string, number>();
    policies.forEach((policy, i) => {
      const earlier = seen.get(policy.name);
      if (earlier !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'name'],
          message: `duplicate name ${JSON.stringify(policy.name)}, already used by policy[${earlier}]`,
          input: policy.name,
        });
      } else seen.set(policy.name, i);
    });
  });

/** A witness's name: a key name (it names its key file) that can sign notes (no "+"). */
const witnessName = parsedText((text) => {
  if (text === '') return undefined;
  assertKeyName(text);
  if (!isValidNoteKeyName(text))
    throw new InvalidArgumentError(`witness name ${JSON.stringify(text)} must not contain "+"`);
  return text;
});

const witnessLogEntry = z.strictObject({
  origin: z
    .string()
    .min(1, 'must not be empty')
    // eslint-disable-next-line no-control-regex
    .refine((text) => !/[\x00-\x1f\x7f]/.test(text), 'must be one line without control characters'),
  public_key: parsedText(parsePublicKeyText),
});

const witnessSection = z.strictObject({
  enabled: z.boolean().default(false),
  name: witnessName.prefault(''),
  key_file: optionalPath.prefault(''),
  prefix: z
    .string()
    .regex(
      /^(\/[A-Za-z0-9._~-]+)*$/,
      'must be "" or "/" followed by path segments of [A-Za-z0-9._~-], without a trailing "/"',
    )
    .default('/witness'),
  followed_logs: z.boolean().default(false),
  audit: z.boolean().default(false),
  audit_name: witnessName.prefault(''),
  audit_key_file: optionalPath.prefault(''),
  log: z.array(witnessLogEntry).prefault([]),
});

/** A witness a [[follow]] may require. */
const witnessesEntry = z.strictObject(witnessKeyFields).superRefine(keyNamedAsWitness);

const witnessesList = z.array(witnessesEntry).superRefine(uniqueWitnessNames('witnesses'));

export const DEFAULT_STATE_DIR = './tally-data';

const configFileTables = z.strictObject({
  state_dir: z.string().min(1).default(DEFAULT_STATE_DIR),
  log_level: z.enum(LOG_LEVELS).default('info'),
  publish: publishSection.prefault({}),
  api: apiSection.prefault({}),
  admin: adminSection.prefault({}),
  cache: cacheSection.prefault({}),
  follow_defaults: followDefaultsSection.prefault({}),
  follow: followList.prefault([]),
  decide: decideSection.prefault({}),
  policy: policyList.prefault([DEFAULT_POLICY]),
  witness: witnessSection.prefault({}),
  witnesses: witnessesList.prefault([]),
});

/** The config file after validation: snake_case as written, defaults filled, leaves parsed. */
export type ConfigFile = z.output<typeof configFileTables>;

/** The whole file's schema, exported so other tools (e.g. the NixOS module's test) validate with it. */
export const configFileSchema = configFileTables.superRefine(checkCrossReferences);
