import type { Command } from 'commander';
import { InvalidArgumentError, TallyError } from '../../errors.js';
import { keyFromHashPart, parseStorePath } from '../../nix/index.js';
import type { Summary } from '../../r13y/index.js';
import type { DisputePage } from '../../store/r13y-index.js';
import { verifyR13yEvidence, type R13yEvidence } from '../../verify/r13y-evidence.js';
import { parseIntegerArgument } from '../api-options.js';
import { getDaemonJson } from '../daemon-http.js';
import { withExamples } from '../help.js';
import { readPublicKeyArgument } from '../key-argument.js';
import { addJsonOption, runCommand } from '../output.js';

interface HttpOptions {
  http: string;
  json?: boolean;
}

/** Packages listed by the text summary; --json lists all. */
const PACKAGES_SHOWN = 20;

const addHttpOptions = (command: Command): Command =>
  addJsonOption(
    command.option('--http <address>', "the daemon's HTTP listener (api.http_listen)", '127.0.0.1:9003'),
  );

/** A report route; a daemon that mirrors no log has none, which is said plainly. */
async function getReport(options: HttpOptions, pathAndQuery: string): Promise<unknown> {
  try {
    return await getDaemonJson(options.http, pathAndQuery);
  } catch (err) {
    if (err instanceof TallyError && err.code === 'NOT_FOUND' && err.message.startsWith('{')) {
      throw new TallyError(
        'NOT_FOUND',
        `the daemon at ${options.http} keeps no reproducibility report: it mirrors no log ([[follow]] mirror = true)`,
      );
    }
    throw err;
  }
}

const percent = (share: number | null) => (share === null ? 'n/a' : `${(share * 100).toFixed(1)}%`);

function summaryText(s: Summary): string {
  const lines = [
    `paths: ${s.paths} (${s.shared} logged by at least two logs)`,
    `agreeing: ${s.agreeing} (${percent(s.agreeShare)} of those)`,
    `in dispute: ${s.disputed}`,
  ];
  const packages = s.byPackage.filter((p) => p.disputed > 0).slice(0, PACKAGES_SHOWN);
  if (packages.length > 0) {
    lines.push('disputed packages (most disputed first):');
    for (const p of packages) lines.push(`  ${p.name}: ${p.disputed} disputed, ${p.agreeing} agreeing`);
  }
  if (s.byLogPair.length > 0) {
    lines.push('log pairs (most disagreeing first):');
    for (const p of s.byLogPair)
      lines.push(`  ${p.logs[0]} ${p.logs[1]}: ${p.disagreeing} of ${p.shared} shared paths disagree`);
  }
  return lines.join('\n');
}

/** A store path or a bare hash part, as the hash part the report is keyed by. */
function hashPartArgument(text: string): string {
  if (text.includes('/')) return parseStorePath(text).hashPart;
  try {
    keyFromHashPart(text);
  } catch {
    throw new InvalidArgumentError(
      `${JSON.stringify(text)} is neither a store path nor the 32 nix32 characters of a hash part`,
    );
  }
  return text;
}

export function registerR13y(program: Command): void {
  const r13y = withExamples(
    program
      .command('r13y')
      .description(
        "the reproducibility report of a mirroring daemon: how often the mirrored logs agree, and where they don't",
      ),
    ['tally r13y', 'tally r13y disputes --name python3', 'tally r13y show 0c0ahlb0gmr55r8fd7vl0ncy4lhn5dvr'],
    "Read from the daemon's HTTP listener, which keeps the report up to date as its mirrors grow.\nWithout a subcommand, prints the summary.",
  );

  withExamples(
    addHttpOptions(
      // The default, so that plain `tally r13y [--json]` prints the summary.
      r13y
        .command('summary', { isDefault: true })
        .description('print the summary: agreeing and disputed paths, by package and by log pair'),
    ),
    ['tally r13y summary', 'tally r13y summary --http 127.0.0.1:9003 --json'],
    'The share agreeing is over paths logged by at least two logs; --json lists every package.',
  ).action((options: HttpOptions) =>
    runCommand(options, async () => {
      const summary = (await getReport(options, '/r13y.json')) as Summary;
      return { human: summaryText(summary), json: { summary } };
    }),
  );

  withExamples(
    addHttpOptions(
      r13y
        .command('disputes')
        .description('list the disputed store paths, 50 a page')
        .option('--name <text>', 'only paths whose name contains this')
        .option('--page <n>', 'the page, from 1', '1'),
    ),
    ['tally r13y disputes', 'tally r13y disputes --name python3 --page 2 --json'],
  ).action((options: HttpOptions & { name?: string; page: string }) =>
    runCommand(options, async () => {
      const page = parseIntegerArgument(options.page, '--page');
      if (page === 0) throw new InvalidArgumentError('--page counts from 1');
      const query = new URLSearchParams({ page: String(page) });
      if (options.name !== undefined) query.set('name', options.name);
      const found = (await getReport(options, `/r13y/disputes.json?${query}`)) as DisputePage & {
        page: number;
        perPage: number;
      };
      const pages = Math.max(1, Math.ceil(found.total / found.perPage));
      const human = [
        ...found.items.map((i) => `/nix/store/${i.hashPart}-${i.name}`),
        `${found.total} disputed${options.name === undefined ? '' : ` matching ${JSON.stringify(options.name)}`}; page ${found.page} of ${pages}`,
      ].join('\n');
      return { human, json: { ...found } };
    }),
  );

  withExamples(
    addHttpOptions(
      r13y
        .command('show')
        .description(
          'print and verify the evidence for a path: from each log that holds it, the signed checkpoint, the inclusion proof and the value',
        )
        .argument('<path>', 'a store path or its 32-character hash part')
        .option(
          '--key <pubkey>',
          'trust only these log keys (a .public file or "name:base64"; repeatable); by default each key must give its log ID',
          (value: string, previous: string[]) => [...previous, value],
          [] as string[],
        ),
    ),
    [
      'tally r13y show /nix/store/0c0ahlb0gmr55r8fd7vl0ncy4lhn5dvr-hello',
      'tally r13y show 0c0ahlb0gmr55r8fd7vl0ncy4lhn5dvr --key builder-1.public --key builder-2.public --json',
    ],
    "Nothing the daemon serves is trusted: the evidence is verified before it is printed (exit 1 if it\nfails). The --json output's \"evidence\" is the format of docs/PROTOCOL.md, checkable on its own\nwith 'tally verify r13y-evidence'.",
  ).action((pathText: string, options: HttpOptions & { key: string[] }) =>
    runCommand(options, async () => {
      const hashPart = hashPartArgument(pathText);
      const trusted = options.key.length > 0 ? options.key.map(readPublicKeyArgument) : undefined;
      const evidence = (await getReport(options, `/r13y/paths/${hashPart}/evidence.json`)) as R13yEvidence;
      const verified = verifyR13yEvidence(evidence, trusted);
      return { human: evidenceText(evidence, verified), json: { verified, evidence } };
    }),
  );
}

function evidenceText(evidence: R13yEvidence, verified: ReturnType<typeof verifyR13yEvidence>): string {
  const lines = [
    `/nix/store/${evidence.hashPart}-${evidence.name}: ${verified.disputed ? 'DISPUTED' : 'agreed'} by ${evidence.logs.length} log(s), verified`,
    ...verified.groups.map((g) => `  ${g.narHash} ${g.narSize} bytes: ${g.logs.join(', ')}`),
  ];
  evidence.logs.forEach((item, i) => {
    const v = verified.logs[i]!;
    lines.push(
      '',
      `log ${item.logId} (key ${v.keyName})`,
      `  entry ${item.index}: key ${item.key}, value digest ${item.valueDigest}`,
      `  value: ${v.narHash} ${v.narSize} bytes (${item.value.length} base64 characters)`,
      `    ${item.value}`,
      `  signed checkpoint (size ${v.checkpointSize}):`,
      ...item.checkpoint
        .trimEnd()
        .split('\n')
        .map((l) => `    ${l}`),
      `  inclusion proof (${item.inclusionProof.length} hashes, leaf to root):`,
      ...item.inclusionProof.map((h) => `    ${h}`),
    );
  });
  return lines.join('\n');
}
