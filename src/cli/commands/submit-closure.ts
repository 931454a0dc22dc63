import type { Command } from 'commander';
import { defaultStoreDir, queryPathInfo } from '../../builder/nix-command.js';
import { nixEntry } from '../../builder/nix-entries.js';
import { describeCounts } from '../../builder/submit-entries.js';
import { publishEntries } from '../publish-entries.js';
import { addSubmitTargetOptions, type SubmitTargetOptions } from '../api-options.js';
import { runCommand } from '../output.js';
import { withExamples } from '../help.js';

interface SubmitClosureOptions extends SubmitTargetOptions {
  storeDir: string;
}

export function registerSubmitClosure(program: Command): void {
  withExamples(
    addSubmitTargetOptions(
      program
        .command('submit-closure')
        .description('publish the closure of store paths from the local Nix store (admin API)')
        .argument('<paths...>', 'store paths (or anything `nix path-info` accepts)')
        .option(
          '--store-dir <dir>',
          'Nix store dir of the paths ($NIX_STORE_DIR when set)',
          defaultStoreDir(),
        ),
    ),
    [
      'tally submit-closure /nix/store/0c0ahlb0gmr55r8fd7vl0ncy4lhn5dvr-hello --state /var/lib/tally',
      'tally submit-closure ./result --json',
    ],
    `Runs \`nix path-info --recursive --json\` and submits every path of the closure in batches of
at most 1,000. Paths already logged with the same value count as already present; a path logged
with a different value is a conflict (exit 2). A progress bar is drawn on stderr when it is a
terminal and CI is not set; piped or in CI only the final line is printed.`,
  ).action((paths: string[], options: SubmitClosureOptions) =>
    runCommand(options, async () => {
      const outputs = await queryPathInfo(paths, { storeDir: options.storeDir, recursive: true });
      const entries = outputs.map((o) => nixEntry(o, options.storeDir));
      const counts = await publishEntries(options, 'publishing closure', entries);
      return {
        human: `closure of ${entries.length} ${entries.length === 1 ? 'path' : 'paths'}: ${describeCounts(counts)}`,
        json: { paths: entries.length, appended: counts.appended, alreadyPresent: counts.alreadyPresent },
      };
    }),
  );
}
