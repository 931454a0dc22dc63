import { Command } from 'commander';
import { registerDaemon } from './commands/daemon.js';
import { registerDecide } from './commands/decide.js';
import { registerEvidence } from './commands/evidence.js';
import { registerAudit } from './commands/audit.js';
import { registerFollow } from './commands/follow.js';
import { registerEntries } from './commands/entries.js';
import { registerHead } from './commands/head.js';
import { registerLogs } from './commands/logs.js';
import { registerLookup } from './commands/lookup.js';
import { registerProve } from './commands/prove.js';
import { registerSubmit } from './commands/submit.js';
import { registerKeygen } from './commands/keygen.js';
import { registerLogId } from './commands/log-id.js';
import { registerVerify } from './commands/verify/index.js';
import { registerPostBuildHook } from './commands/post-build-hook.js';
import { registerSubmitClosure } from './commands/submit-closure.js';
import { registerPublishCache } from './commands/publish-cache.js';
import { registerR13y } from './commands/r13y.js';
import { withExamples } from './help.js';
import { EXIT_CODE_MEANINGS } from './output.js';

/** Words of `text` in lines of at most `width` characters. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width)
      lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

const exitCodesHelp = (): string =>
  [
    'Exit codes:',
    ...EXIT_CODE_MEANINGS.flatMap(([code, meaning]) =>
      wrap(meaning, 74).map((line, i) => (i === 0 ? `  ${code}  ${line}` : `     ${line}`)),
    ),
  ].join('\n');

/** The `tally` command tree, without parsing anything (main.ts runs it; tests walk it). */
export function buildProgram(): Command {
  const program = new Command()
    .name('tally')
    .description('Verifiable, followed and voted-on build logs for Nix binary caches')
    // Throw instead of exiting so usage errors map to exit code 2 (commander would use 1).
    // Set before the subcommands are added: they inherit it.
    .exitOverride();
  withExamples(
    program,
    [
      'tally daemon',
      'tally keygen --name builder-1 --out ./keys',
      'tally verify checkpoint checkpoint.txt --key ./keys/builder-1.public',
      'tally decide /nix/store/0c0ahlb0gmr55r8fd7vl0ncy4lhn5dvr-hello',
    ],
    `${exitCodesHelp()}\n\nRun 'tally <command> --help' for a command's options and examples.`,
  );
  registerDaemon(program);
  registerKeygen(program);
  registerLogId(program);
  registerSubmit(program);
  registerHead(program);
  registerEntries(program);
  registerProve(program);
  registerLookup(program);
  registerLogs(program);
  registerDecide(program);
  registerEvidence(program);
  registerAudit(program);
  registerFollow(program);
  registerVerify(program);
  registerPostBuildHook(program);
  registerSubmitClosure(program);
  registerPublishCache(program);
  registerR13y(program);
  return program;
}
