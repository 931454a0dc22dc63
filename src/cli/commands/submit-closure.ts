import type { Command } from 'commander';
import { queryPathInfo } from '../../builder/nix-command.js';
import { checkPathsInStore, chooseStore, describeStore } from '../../builder/nix-store-choice.js';
import { nixEntry } from '../../builder/nix-entries.js';
import { describeCounts } from '../../builder/submit-entries.js';
import { publishEntries } from '../publish-entries.js';
import { addSubmitTargetOptions, type SubmitTargetOptions } from '../api-options.js';
import { runCommand } from '../output.js';
import { withExamples } from '../help.js';

interface SubmitClosureOptions extends SubmitTargetOptions {
  store?: string;
  storeDir?: string;
}

export function registerSubmitClosure(program: Command): void {
  withExamples(
    addSubmitTargetOptions(
      program
        .command('submit-closure')
        .description('publish the closure of store paths from the local Nix store (admin API)')
        .argument('<paths...>', 'store paths (or anything `nix path-info` accepts)')
        .option('--store <uri>', "Nix store to read (Nix's --store), default Nix's configured store")
        .option(
          '--store-dir <dir>',
          "store dir of the paths; must be the store's own (default: the store's)",
        ),
    ),
    [
      'tally submit-closure /nix/store/0c0ahlb0gmr55r8fd7vl0ncy4lhn5dvr-hello --state /var/lib/tally',
      'tally submit-closure ./result --json',
      'tally submit-closure /nix/store/0c0ahlb0gmr55r8fd7vl0ncy4lhn5dvr-hello --store /var/lib/builder-root',
    ],
    `Runs \`nix path-info --recursive --json\` and submits every path of the closure in batches of
at most 1,000. Paths already logged with the same value count as already present; a path logged
with a different value is a conflict (exit 2). A progress bar is drawn on stderr when it is a
terminal and CI is not set; piped or in CI only the final line is printed.

The store read is printed on stderr first. --store takes any store URI Nix does (a chroot store
such as /var/lib/builder-root, local?root=..., daemon); a path outside that store's store dir, or
a --store-dir other than the store's, is refused (exit 2) before anything is published.`,
  ).action((paths: string[], options: SubmitClosureOptions) =>
    runCommand(options, async () => {
      const store = await chooseStore(options.store, options.storeDir);
      process.stderr.write(`${describeStore(store)}\n`);
      checkPathsInStore(paths, store);
      const outputs = await queryPathInfo(paths, {
        store: options.store,
        storeDir: store.storeDir,
        recursive: true,
      });
      const entries = outputs.map((o) => nixEntry(o, store.storeDir));
      const counts = await publishEntries(options, 'publishing closure', entries);
      return {
        human: `closure of ${entries.length} ${entries.length === 1 ? 'path' : 'paths'}: ${describeCounts(counts)}`,
        json: {
          store: store.uri,
          storeDir: store.storeDir,
          paths: entries.length,
          appended: counts.appended,
          alreadyPresent: counts.alreadyPresent,
        },
      };
    }),
  );
}
