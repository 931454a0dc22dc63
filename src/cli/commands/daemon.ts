import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { startDaemon } from '../../daemon/daemon.js';
import { createLogger } from '../../daemon/logger.js';
import { errorCodeOf, exitCodeOf } from '../output.js';

interface DaemonOptions {
  config?: string;
  state?: string;
}

export function registerDaemon(program: Command): void {
  program
    .command('daemon')
    .description('run the tally daemon until SIGTERM or SIGINT')
    .option('-c, --config <file>', 'TOML config file (default: embedded defaults, no file)')
    .option('--state <dir>', 'state directory (overrides state_dir; default ./tally-data)')
    .addHelpText(
      'after',
      `
With no config file the daemon publishes one log with a key generated on first start, serves the
public gRPC API on 127.0.0.1:9002 and the admin API on <state>/admin.sock (mode 0600).

Example:
  $ tally daemon
  $ tally daemon --config /etc/tally/tally.toml --state /var/lib/tally`,
    )
    .action(runDaemon);
}

async function runDaemon(options: DaemonOptions): Promise<void> {
  let config;
  try {
    config = loadConfig(options.config, { stateDir: options.state });
  } catch (err) {
    process.stderr.write(`tally: ${(err as Error).message}\n`);
    process.exitCode = exitCodeOf(err);
    return;
  }
  const logger = createLogger(config.logLevel);
  let daemon;
  try {
    daemon = await startDaemon(config, logger);
  } catch (err) {
    logger.fatal({ code: errorCodeOf(err), err }, 'cannot start');
    process.stderr.write(`tally: ${(err as Error).message}\n`);
    process.exitCode = exitCodeOf(err);
    return;
  }
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'stopping: finishing commits in flight');
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await daemon.stop();
  logger.info('stopped');
  process.exitCode = 0;
}
