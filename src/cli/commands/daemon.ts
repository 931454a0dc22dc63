import type { Command } from 'commander';
import { errorCodeOf, exitCodeOf } from '../output.js';
import { withExamples } from '../help.js';

interface DaemonOptions {
  config?: string;
  state?: string;
}

export function registerDaemon(program: Command): void {
  withExamples(
    program
      .command('daemon')
      .description('run the tally daemon until SIGTERM or SIGINT')
      .option('-c, --config <file>', 'TOML config file (default: embedded defaults, no file)')
      .option('--state <dir>', 'state directory (overrides state_dir; default ./tally-data)'),
    ['tally daemon', 'tally daemon --config /etc/tally/tally.toml --state /var/lib/tally'],
    `With no config file the daemon keeps its state in ./tally-data, publishes one log with a key
generated on first start, serves the public gRPC API on 127.0.0.1:9002, the Nix binary cache on
127.0.0.1:9001 and the admin API on <state>/admin.sock (mode 0600). It logs "tally daemon ready"
with the addresses it bound (JSON lines on stdout, pretty-printed when stdout is a terminal).
SIGTERM or SIGINT stops it after the commits in flight; it exits 2 on an invalid or missing config
file, 3 when it cannot start (e.g. a port in use), and 4 when it refuses to publish because its
log's database is older than a checkpoint its key already published (docs/operations.md).`,
  ).action(runDaemon);
}

async function runDaemon(options: DaemonOptions): Promise<void> {
  // Loaded here, not at the top: the daemon's modules (fastify, gRPC servers, LevelDB, Lua) would
  // otherwise slow the start of every other command, the post-build hook after each build included.
  const { loadConfig } = await import('../../config/load.js');
  const { startDaemon } = await import('../../daemon/daemon.js');
  const { createLogger } = await import('../../daemon/logger.js');
  const { firstCatchUpBars } = await import('../mirror-progress.js');
  let config;
  try {
    config = loadConfig(options.config, { stateDir: options.state });
  } catch (err) {
    process.stderr.write(`tally: ${(err as Error).message}\n`);
    process.exitCode = exitCodeOf(err);
    return;
  }
  const logger = createLogger(config.logLevel);
  // Handlers go in before the start: the "ready" line is logged before startDaemon returns, and a
  // SIGTERM sent on seeing it (or during the start) must stop the daemon cleanly, not kill it.
  const stop = listenForStopSignal();
  let daemon;
  try {
    daemon = await startDaemon(config, logger, { onMirrorProgress: firstCatchUpBars() });
  } catch (err) {
    // A known failure (a port in use, a missing file) names what is wrong in its message: that one
    // line is the whole report. Only an internal error, a bug, logs its stack.
    if (errorCodeOf(err) === 'INTERNAL') logger.fatal({ code: 'INTERNAL', err }, 'cannot start');
    process.stderr.write(`tally: ${(err as Error).message}\n`);
    process.exitCode = exitCodeOf(err);
    stop.cancel();
    return;
  }
  const signal = await stop.signal;
  logger.info({ signal }, 'stopping: finishing commits in flight');
  await daemon.stop();
  logger.info('stopped');
  process.exitCode = 0;
}

/** Resolves with the first SIGTERM or SIGINT; `cancel` removes the handlers. */
function listenForStopSignal(): { signal: Promise<NodeJS.Signals>; cancel(): void } {
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const cancel = () => {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
  const signal = new Promise<NodeJS.Signals>((resolve) => {
    onSignal = (received) => {
      cancel();
      resolve(received);
    };
  });
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return { signal, cancel };
}
