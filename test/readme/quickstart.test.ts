import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { watchDaemon, type ReadyLine } from '../helpers/daemon.js';
import { NetworkNamespace } from '../helpers/netns.js';
import { repoRoot } from '../helpers/tmp.js';
import { tallyInvocations } from '../cli/command-line.js';
import { codeBlocks, commandLines, withoutComment } from './readme.js';
import { packageJson as pkg, runAsTyped, scratchProject } from './scratch-project.js';

/*
 * The README's Quickstart, done as written. Its first block holds the two commands: the install and
 * start command is run (its `npm start` part for real, in a scratch copy of the project, on the
 * default ports), and the test command must be what CI runs. The second block, the commands to try
 * in another terminal, runs against that daemon. Change the README's commands and this test
 * follows them; break them and it fails.
 *
 * What is not run: `npm ci` itself (it needs the registry; CI runs it in .ci/run before the
 * suite) and `npm test` (this test is part of it). For those, the test checks what npm will do:
 * the package's `prepare` script builds, and .ci/run runs exactly the README's commands.
 */

const quickstart = codeBlocks().filter((b) => b.section === 'Quickstart' && b.lang === 'sh');
const [twoCommandsBlock, tryItBlock] = quickstart;

/** The README's install-and-start command and its test command, comments removed. */
function twoCommands(): { installAndStart: string; test: string } {
  expect(twoCommandsBlock, 'a ```sh block right under "## Quickstart"').toBeDefined();
  const lines = commandLines(twoCommandsBlock!).map(withoutComment);
  expect(lines, 'exactly two commands').toHaveLength(2);
  return { installAndStart: lines[0]!, test: lines[1]! };
}

/** The npm commands a shell script runs, in order (comments and other commands ignored). */
function npmCommandsOf(script: string): string[] {
  return script
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^npm\s/.test(line));
}

describe('the two commands', () => {
  it('install and start: `npm ci` builds the CLI, `npm start` runs `tally daemon` on embedded defaults', () => {
    const steps = twoCommands()
      .installAndStart.split('&&')
      .map((s) => s.trim());
    expect(steps).toEqual(['npm ci', 'npm start']);
    // npm ci runs the package's prepare script, which must build dist/ (npm start runs from it).
    expect(pkg.scripts.prepare).toBe('npm run build');
    expect(pkg.scripts.build).toMatch(/^tsc -p tsconfig\.build\.json$/);
    // Embedded defaults: the CLI's own `daemon` command with no config file and no other argument.
    expect(pkg.scripts.start).toBe(`node ${pkg.bin.tally} daemon`);
    expect(pkg.bin.tally).toBe('dist/src/cli/main.js');
  });

  it('test: the same command CI runs, after the same install', () => {
    const { installAndStart, test } = twoCommands();
    expect(test).toBe('npm test');
    expect(pkg.scripts.test).toMatch(/^npm run build && vitest run$/);
    const ci = npmCommandsOf(fs.readFileSync(path.join(repoRoot, '.ci/run'), 'utf8'));
    expect(ci.at(-1), ".ci/run's last command").toBe(test);
    const install = installAndStart.split('&&')[0]!.trim();
    expect(ci[0]!.startsWith(install), `.ci/run installs with ${install}: ${ci[0]}`).toBe(true);
  });
});

interface Started {
  proc: ChildProcess;
  ready: ReadyLine;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Runs the README's start command with sh, as a person would type it, and waits for the daemon's
 * "tally daemon ready" log line. It runs in a network namespace of this file's own, so the default
 * ports are free there even while a quickstart daemon someone left running holds them outside.
 */
async function startAsWritten(command: string, cwd: string, netns: NetworkNamespace): Promise<Started> {
  // Its own process group, so cleanup can reach npm, sh and node together.
  const [nsenter, args] = netns.command(['sh', '-c', command]);
  const proc = spawn(nsenter, args, {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  started.add(proc);
  const { ready, exited, output } = watchDaemon(proc);
  void exited.then(() => started.delete(proc));
  return { proc, ready: await ready, output, exited };
}

const started = new Set<ChildProcess>();
afterAll(() => {
  for (const proc of started) process.kill(-proc.pid!, 'SIGKILL');
});

describe('doing what the Quickstart says', () => {
  let project: string;
  let daemon: Started;
  let netns: NetworkNamespace;

  beforeAll(async () => {
    project = scratchProject();
    netns = await NetworkNamespace.create();
    const start = twoCommands().installAndStart.split('&&').at(-1)!.trim();
    daemon = await startAsWritten(start, project, netns);
  }, 120_000);
  afterAll(() => netns.close());

  it('starts the daemon on the embedded defaults the README describes', () => {
    const state = path.join(fs.realpathSync(project), 'tally-data');
    expect(fs.realpathSync(daemon.ready.stateDir)).toBe(state);
    expect(daemon.ready.addresses).toMatchObject({
      api: '127.0.0.1:9002',
      cache: '127.0.0.1:9001',
    });
    expect(fs.realpathSync(path.dirname(daemon.ready.addresses.adminSocket!))).toBe(state);
    expect(path.basename(daemon.ready.addresses.adminSocket!)).toBe('admin.sock');
    expect(fs.statSync(path.join(state, 'admin.sock')).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.join(state, 'keys/tally.secret')).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(state, 'keys/tally.public'), 'utf8')).toMatch(
      /^tally:[A-Za-z0-9+/]{43}=\n$/,
    );
    expect(fs.existsSync(path.join(state, 'keys/cache.secret'))).toBe(true);
  });

  it('serves the Nix binary cache on 127.0.0.1:9001', async () => {
    const response = netns.fetch('http://127.0.0.1:9001/nix-cache-info');
    expect(response.status).toBe(200);
    expect(response.body).toMatch(/^StoreDir: \/nix\/store$/m);
  });

  it('runs the try-it commands of the README against it', () => {
    expect(tryItBlock, 'a second ```sh block in the Quickstart').toBeDefined();
    const lines = commandLines(tryItBlock!);
    expect(lines.length).toBeGreaterThan(0);
    const outputs = new Map<string, string>();
    for (const line of lines) {
      const run = runAsTyped(line, project, netns);
      expect(run.code, `${line}\n${run.stderr}`).toBe(0);
      expect(run.stderr, line).toBe('');
      outputs.set(tallyInvocations(line)[0]![0]!, run.stdout);
    }
    // What each command is there to show.
    expect(outputs.get('submit')).toMatch(/^appended at index 0\n$/);
    expect(outputs.get('head')).toMatch(/^tally\.log\/[0-9a-f]{16}\n1\n/);
    expect(outputs.get('lookup')).toMatch(/present at index 0/);
    expect(outputs.get('logs')).toMatch(/^tally {2}published {2}local/);
  });

  it('stops cleanly on SIGTERM, and `npm start` exits 0', async () => {
    process.kill(daemon.ready.pid, 'SIGTERM');
    expect(await daemon.exited).toBe(0);
    expect(daemon.output()).toContain('"msg":"stopped"');
  }, 60_000);
});
