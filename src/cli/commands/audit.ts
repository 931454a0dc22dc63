import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { HttpLogSource } from '../../api/http-log-source.js';
import { verifyCheckpoint } from '../../checkpoint/checkpoint.js';
import { defaultOrigin, logIdOf } from '../../checkpoint/log-id.js';
import { InvalidArgumentError, VerificationError } from '../../errors.js';
import { auditMirror } from '../../follower/audit.js';
import { LogMirror } from '../../follower/log-mirror.js';
import { MirrorStore } from '../../store/mirror-store.js';
import { addAdminOptions, parseIntegerArgument, withAdminClient, type AdminOptions } from '../api-options.js';
import { withExamples } from '../help.js';
import { readPublicKeyArgument } from '../key-argument.js';
import { runCommand, type CommandResult } from '../output.js';
import { createProgress } from '../progress.js';

interface AuditOptions extends AdminOptions {
  url?: string;
  key?: string;
  origin?: string;
  dir?: string;
  timeout?: string;
}

/**
 * `tally audit`: replays a log from entry 0 and checks, at every checkpoint, its tree root, the
 * map root its extension line signs (recomputed from the entries) and that no key appears twice.
 * On a mirrored followed log the daemon does it (incrementally); with --url, this process
 * downloads the log (verified) and does it.
 */
export function registerAudit(program: Command): void {
  withExamples(
    addAdminOptions(
      program
        .command('audit')
        .description("replay a log from entry 0 and check every checkpoint's tree root and map root")
        .argument('[log]', 'a mirrored followed log: its configured name or ID (the daemon audits it)')
        .option(
          '--url <url>',
          'audit any tlog-tiles log: its URL prefix, e.g. http://builder:9003/logs/<id>/',
        )
        .option('--key <pubkey>', 'with --url: the log key, a .public file or "name:base64"')
        .option('--origin <origin>', 'with --url: the origin line (default: derived from the log ID)')
        .option('--dir <dir>', 'with --url: keep the downloaded copy here (resumes; default a temporary one)')
        .option('--timeout <ms>', 'with --url: deadline for each resource, body included', '10000'),
    ),
    ['tally audit builder-a', 'tally audit --url http://builder:9003/logs/6f3c…/ --key builder-1.public'],
    'Exit status 0 when everything checked holds (it prints what was checked), 1 when the entries\n' +
      'contradict a signed checkpoint: on a followed log that is stored as evidence (tally evidence)\n' +
      'and the log is marked compromised.',
  ).action((log: string | undefined, options: AuditOptions) =>
    runCommand(options, () => (options.url ? auditUrl(options.url, options) : auditFollowed(log, options))),
  );
}

async function auditFollowed(log: string | undefined, options: AuditOptions): Promise<CommandResult> {
  if (log === undefined)
    throw new InvalidArgumentError('name a mirrored followed log, or give --url and --key');
  return withAdminClient(options, async (client) => {
    const answer = await client.auditLog({ logId: log });
    if (!answer.ok) {
      throw new VerificationError(
        `audit of ${log} failed: ${answer.evidence?.detail ?? 'see tally evidence'}\n` +
          `  contradicted checkpoint:\n${indent(answer.evidence?.newCheckpoint ?? '')}\n` +
          `  stored as evidence (tally evidence ${log}); the log is marked compromised`,
      );
    }
    return {
      human:
        `audited ${log}: entries 0..${answer.auditedSize} replayed, no key twice; tree root and map root ` +
        `reproduced at every stored checkpoint up to size ${answer.lastCheckedSize}`,
      json: { ...answer },
    };
  });
}

async function auditUrl(url: string, options: AuditOptions): Promise<CommandResult> {
  if (options.key === undefined) throw new InvalidArgumentError('--url needs --key, the log key');
  const key = readPublicKeyArgument(options.key);
  const origin = options.origin ?? defaultOrigin(logIdOf(key));
  const timeoutMs = parseIntegerArgument(options.timeout ?? '10000', '--timeout');
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tally-audit-'));
  const http = new HttpLogSource(url, { timeoutMs });
  const store = await MirrorStore.open(dir, key, origin);
  try {
    const note = Buffer.from(await http.get({ kind: 'checkpoint' })).toString('utf8');
    const checkpoint = verifyCheckpoint(note, key, origin);
    const head = store.head;
    if (head !== undefined && head.checkpoint.size > checkpoint.size) {
      throw new VerificationError(
        `${url}checkpoint: size ${checkpoint.size}, below the ${head.checkpoint.size} already mirrored in ${dir}`,
      );
    }
    const download = createProgress('download', checkpoint.size);
    await new LogMirror(store, http).catchUp({ checkpoint, note }, (stored) => download.update(stored));
    download.finish();
    const replay = createProgress('audit', checkpoint.size);
    const outcome = await auditMirror(store, (audited) => replay.update(audited));
    replay.finish();
    if (outcome.failure) {
      const { failure } = outcome;
      throw new VerificationError(
        `audit failed at the checkpoint of size ${failure.size}: first wrong entry ${failure.firstBadIndex}: ${failure.detail}\n` +
          `  contradicted checkpoint:\n${indent(failure.note)}`,
      );
    }
    return {
      human:
        `audited ${url}: entries 0..${outcome.auditedSize} verified and replayed, no key twice; tree root and ` +
        `map root reproduced at size ${outcome.lastCheckedSize}`,
      json: { auditedSize: outcome.auditedSize, lastCheckedSize: outcome.lastCheckedSize, checkpoint: note },
    };
  } finally {
    http.close();
    await store.close();
    if (options.dir === undefined) fs.rmSync(dir, { recursive: true, force: true });
  }
}

const indent = (text: string): string =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
