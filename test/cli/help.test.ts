import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { commandPaths, parseTallyArgs, shellCommands, tallyInvocations } from './command-line.js';
import { CLI, assertBuilt, runCli } from './run-cli.js';

/** The command lines of the "Examples:" block at the end of a help text. */
function examplesOf(help: string): string[] {
  const block = help.split('\nExamples:\n')[1];
  if (block === undefined) return [];
  return block
    .split('\n')
    .filter((line) => line.startsWith('  $ '))
    .map((line) => line.slice('  $ '.length));
}

const startsWith = (words: string[], prefix: string[]) => prefix.every((w, i) => words[i] === w);

// Walk the real command tree: a command added without examples fails here, no list to update.
const commands = commandPaths(buildProgram());

beforeAll(assertBuilt);

describe('tally <command> --help', () => {
  it('walks every command, nested ones included', () => {
    const names = commands.map(({ path }) => path.join(' '));
    expect(names).toContain('');
    expect(names).toContain('verify checkpoint');
    expect(names).toContain('prove consistency');
    expect(names.length).toBeGreaterThanOrEqual(22);
  });

  it.each(commands.map(({ path }) => [path.join(' ') || '(top level)', path] as const))(
    '%s: exits 0 and ends with examples of itself that parse',
    async (_name, path) => {
      const run = runCli([...path, '--help']);
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(new RegExp(`^Usage: tally ${path.join(' ')}`));
      const examples = examplesOf(run.stdout);
      expect(examples.length, 'an "Examples:" block with at least one "  $ tally ..." line').toBeGreaterThan(
        0,
      );
      for (const example of examples) {
        const invocations = tallyInvocations(example);
        expect(
          invocations.some((args) => startsWith(args, path)),
          `${example} runs tally ${path.join(' ')}`,
        ).toBe(true);
        // Every option and argument of the example exists: no invented flags.
        for (const args of invocations) await expect(parseTallyArgs(args), example).resolves.toBeDefined();
      }
    },
  );
});

describe('tally --help', () => {
  const help = () => runCli(['--help']).stdout;

  it('documents every exit code', () => {
    const text = help();
    expect(text).toContain('\nExit codes:\n');
    expect(text).toMatch(/^ {2}0 {2}success/m);
    expect(text).toMatch(/^ {2}1 {2}verification failed: .*signature, proof/m);
    expect(text).toMatch(/^ {2}2 {2}usage error or bad input: unknown command or option/m);
    expect(text).toMatch(/^ {2}3 {2}unavailable or I\/O error: a file, log or digest not found/m);
    expect(text).toMatch(/^ {2}4 {2}the state must be repaired first: the daemon will not publish/m);
    expect(text).not.toMatch(/^ {2}5 /m);
  });

  it('stops quietly, exit 0, when its reader closes the pipe (`tally --help | head -1`)', async () => {
    const child = spawn(process.execPath, [CLI, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // the reader is gone before tally writes a byte
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('a bare `tally` is a usage error (exit 2) and shows the help', () => {
    const run = runCli([]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Exit codes:');
  });
});

describe('the example checker itself', () => {
  it('splits shell lines like sh does, for what examples use', () => {
    expect(shellCommands(`tally submit 0011 'hello world' --json # append`)).toEqual([
      ['tally', 'submit', '0011', 'hello world', '--json'],
    ]);
    expect(shellCommands('tally head | tally verify checkpoint - --key "a b"')).toEqual([
      ['tally', 'head'],
      ['tally', 'verify', 'checkpoint', '-', '--key', 'a b'],
    ]);
    expect(tallyInvocations('OUT_PATHS=/nix/store/x npx tally head > cp.txt 2>&1 && echo tally')).toEqual([
      ['head'],
    ]);
  });

  it('rejects unknown options, missing arguments and missing required options', async () => {
    await expect(parseTallyArgs(['head', '--no-such-flag'])).rejects.toThrow(/unknown option/);
    await expect(parseTallyArgs(['entries', '0'])).rejects.toThrow(/missing required argument/);
    await expect(parseTallyArgs(['verify', 'checkpoint', 'cp.txt'])).rejects.toThrow(/--key/);
    await expect(parseTallyArgs(['log-id', 'a', 'b'])).rejects.toThrow(/too many arguments/);
    await expect(parseTallyArgs(['verify', 'lookup', 'k', '--key', 'f'])).resolves.toEqual([
      'verify',
      'lookup',
    ]);
  });
});
