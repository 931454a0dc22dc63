import type { Command } from 'commander';
import { chooseStore, describeStore } from '../../builder/nix-store-choice.js';
import { runPostBuildHook } from '../../builder/post-build-hook.js';
import { addSubmitTargetOptions, withAdminClient, type SubmitTargetOptions } from '../api-options.js';
import { exitCodeOf, ExitCode } from '../output.js';
import { withExamples } from '../help.js';

interface HookOptions extends SubmitTargetOptions {
  store?: string;
  storeDir?: string;
}

export function registerPostBuildHook(program: Command): void {
  withExamples(
    addSubmitTargetOptions(
      program
        .command('post-build-hook')
        .description(
          "publish what Nix just built (for nix.conf's post-build-hook); spools if the daemon is down",
        )
        .option('--store <uri>', "Nix store to read (Nix's --store), default Nix's configured store")
        .option(
          '--store-dir <dir>',
          "store dir of the paths; must be the store's own (default: the store's)",
        ),
    ),
    [
      'tally post-build-hook --state /var/lib/tally',
      'OUT_PATHS=/nix/store/0c0ahlb0gmr55r8fd7vl0ncy4lhn5dvr-hello tally post-build-hook --state ./tally-data',
    ],
    `Reads OUT_PATHS (or, when Nix leaves it empty, the outputs of DRV_PATH), gets each path's
NarHash, NarSize, References and CA from \`nix path-info --json\` and submits key = the store
path hash, value = the canonical value. When the daemon cannot be reached the submission is
written to <state>/spool/ and the daemon publishes it when it runs again; the hook still exits 0,
because a failing post-build hook stops Nix's builds. It exits 3 only if it cannot read the
build from Nix or cannot write the spool.

The store read is printed first: Nix hands the hook its settings (NIX_CONFIG), so without
--store it is the store Nix built into. A --store-dir other than that store's is refused (exit 2).

nix.conf takes a program without arguments, so point post-build-hook at a wrapper script:
  #!/bin/sh
  exec tally post-build-hook --state /var/lib/tally`,
  ).action(async (options: HookOptions) => {
    try {
      const store = await chooseStore(options.store, options.storeDir);
      process.stderr.write(`${describeStore(store)}\n`);
      const outcome = await runPostBuildHook(process.env, {
        store: options.store,
        storeDir: store.storeDir,
        stateDir: options.state,
        logId: options.log,
        withClient: (body) => withAdminClient(options, body),
      });
      process.stderr.write(outcome.message + '\n');
      process.exitCode = ExitCode.OK;
    } catch (err) {
      process.stderr.write(`tally: post-build-hook: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = exitCodeOf(err);
    }
  });
}
