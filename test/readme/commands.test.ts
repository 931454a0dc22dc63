import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODE_MEANINGS } from '../../src/cli/output.js';
import { buildProgram } from '../../src/cli/program.js';
import { defaultOrigin, logIdOf } from '../../src/checkpoint/log-id.js';
import { parseConfig } from '../../src/config/parse.js';
import { formatPublicKey } from '../../src/crypto/ed25519-keys.js';
import { loadPolicyChain } from '../../src/decide/index.js';
import { commandPaths, parseTallyArgs, tallyInvocations } from '../cli/command-line.js';
import { repoRoot, tempDir } from '../helpers/tmp.js';
import { absent, agrees } from '../policy/votes.js';
import { codeBlocks, commandLines, section } from './readme.js';
import { runAsTyped, scratchProject } from './scratch-project.js';

/*
 * The README against the code: every `tally` command line it shows parses against the real CLI,
 * every command is in its CLI reference, its exit codes are the CLI's, its TOML examples are
 * configs the daemon accepts, its Lua policy loads and votes as the text says, and the commands
 * that need no daemon run as written.
 */

const shellBlocks = codeBlocks().filter((b) => b.lang === 'sh');
const readmeInvocations = shellBlocks.flatMap((block) =>
  commandLines(block).flatMap((line) => tallyInvocations(line).map((args) => ({ line, args }))),
);

describe('README command lines', () => {
  it('finds the tally commands of every shell block', () => {
    const commands = new Set(readmeInvocations.map(({ args }) => args[0]));
    for (const name of [
      'submit',
      'head',
      'lookup',
      'logs',
      'keygen',
      'log-id',
      'verify',
      'decide',
      'post-build-hook',
    ]) {
      expect(commands, name).toContain(name);
    }
  });

  it('each parses against the real CLI: no invented commands, flags or arguments', async () => {
    for (const { line, args } of readmeInvocations) {
      await expect(parseTallyArgs(args), line).resolves.toBeDefined();
    }
  });
});

describe('README CLI reference', () => {
  const reference = section('CLI reference');
  const leaves = commandPaths(buildProgram())
    .filter(({ path: p, command }) => p.length > 0 && command.commands.length === 0)
    .map(({ path: p }) => p.join(' '));

  it('lists every command', () => {
    const missing = leaves.filter((name) => !new RegExp(`\`tally ${name}[\` ]`).test(reference));
    expect(missing).toEqual([]);
  });

  it('names only commands that exist', () => {
    // Groups (`tally verify`) and commander's own `tally help COMMAND` included; after a group's
    // name must come one of its subcommands.
    const all = commandPaths(buildProgram());
    const known = [...all.map(({ path: p }) => p.join(' ')), 'help'];
    const groups = all.filter(({ command }) => command.commands.length > 0).map(({ path: p }) => p.join(' '));
    const named = [...reference.matchAll(/`tally ([a-z][a-z0-9-]*(?: [a-z][a-z0-9-]*)?)/g)].map((m) => m[1]!);
    expect(named.length).toBeGreaterThan(15);
    const unknown = named.filter((name) => {
      if (known.includes(name)) return false;
      const first = name.split(' ')[0]!;
      return !known.includes(first) || (groups.includes(first) && name !== first);
    });
    expect(unknown).toEqual([]);
  });
});

describe('README exit codes', () => {
  it('are the codes and meanings `tally --help` prints', () => {
    const rows = [...section('Exit codes').matchAll(/^\| (\d+) \| (.+) \|$/gm)].map((m) => [
      Number(m[1]),
      m[2],
    ]);
    expect(rows).toEqual(EXIT_CODE_MEANINGS.map(([code, meaning]) => [code, meaning]));
    expect(rows.map(([code]) => code)).toEqual([0, 1, 2, 3, 4]);
  });
});

describe('README commands that need no daemon', () => {
  it('keygen then log-id, as written, print the same log ID', () => {
    const block = shellBlocks.find((b) => b.code.includes('tally keygen'));
    expect(block, 'a shell block with `tally keygen`').toBeDefined();
    const project = scratchProject();
    const outputs = commandLines(block!).map((line) => {
      const run = runAsTyped(line, project);
      expect(run.code, `${line}\n${run.stderr}`).toBe(0);
      return { args: tallyInvocations(line)[0]!, stdout: run.stdout };
    });
    const keygen = outputs.find((o) => o.args[0] === 'keygen')!;
    const logId = outputs.find((o) => o.args[0] === 'log-id')!;
    const out = keygen.args[keygen.args.indexOf('--out') + 1]!;
    const name = keygen.args[keygen.args.indexOf('--name') + 1]!;
    expect(fs.statSync(path.join(project, out, `${name}.secret`)).mode & 0o777).toBe(0o600);
    // The log ID, recomputed from the written public key (docs/PROTOCOL.md), is what both print.
    const publicKey = fs.readFileSync(path.join(project, out, `${name}.public`), 'utf8').trim();
    const expected = crypto
      .createHash('sha256')
      .update('tally-log-id/v1\nnix\n')
      .update(Buffer.from(publicKey.split(':')[1]!, 'base64'))
      .digest('hex');
    expect(keygen.stdout).toContain(`log ID:         ${expected}`);
    expect(logId.stdout).toBe(`${expected}\n`);
  });
});

describe('README TOML examples', () => {
  const tomlBlocks = codeBlocks().filter((b) => b.lang === 'toml');

  it('are complete configs the daemon accepts', () => {
    expect(tomlBlocks.length).toBeGreaterThan(1);
    for (const block of tomlBlocks) {
      expect(() => parseConfig(block.code, { file: '/etc/tally/tally.toml' }), block.code).not.toThrow();
    }
  });

  it('the follower example follows three builders and chains two-thirds then builder-a', () => {
    const block = tomlBlocks.find((b) => b.section === 'Following builders and voting')!;
    const config = parseConfig(block.code, { file: '/etc/tally/tally.toml' });
    expect(config.publish.enabled).toBe(false);
    expect(config.follow.map((f) => [f.name, f.meta.upstream])).toEqual([
      ['builder-a', 'https://cache.builder-a.example.org'],
      ['builder-b', 'https://cache.builder-b.example.org'],
      ['builder-c', 'https://cache.builder-c.example.org'],
    ]);
    expect(config.policy.map((p) => [p.name, p.params])).toEqual([
      ['two-thirds', { threshold: 66, min_agreeing: 2 }],
      ['fallback', { name: 'builder-a', min_agreeing: 2 }],
    ]);
  });
});

describe('README witnesses example', () => {
  const blocks = codeBlocks().filter((b) => b.lang === 'toml' && b.section === 'Witnesses: no split views');
  const [witness, builder, user] = blocks.map((b) => parseConfig(b.code, { file: '/etc/tally/tally.toml' }));

  it("the witness cosigns the three builders' logs, by the origins their keys give", () => {
    expect(blocks).toHaveLength(3);
    expect([witness!.witness.enabled, witness!.witness.name]).toEqual([true, 'w1.example']);
    // The user's [[follow]] keys are the builders': each origin is the default one of that key.
    expect(witness!.witness.logs.map((l) => [l.origin, formatPublicKey(l.publicKey)])).toEqual(
      user!.follow.map((f) => [
        defaultOrigin(logIdOf(f.publicKey, f.protocol)),
        formatPublicKey(f.publicKey),
      ]),
    );
  });

  it("the builder submits to both witnesses, by the keys the user requires and the witness's prefix", () => {
    const witnessUrl = `http://${witness!.witness.name}:${witness!.api.httpListen!.port}${witness!.witness.prefix}`;
    expect(builder!.publish.witnesses.map((w) => [formatPublicKey(w.publicKey), w.url])).toEqual([
      [formatPublicKey(user!.follow[0]!.witnesses[0]!), witnessUrl],
      [formatPublicKey(user!.follow[0]!.witnesses[1]!), witnessUrl.replace('w1.', 'w2.')],
    ]);
  });

  it('the user requires both witnesses, quorum 2, on each of the three builders', () => {
    expect(user!.follow.map((f) => [f.name, f.witnesses.map((w) => w.name), f.witnessQuorum])).toEqual([
      ['builder-a', ['w1.example', 'w2.example'], 2],
      ['builder-b', ['w1.example', 'w2.example'], 2],
      ['builder-c', ['w1.example', 'w2.example'], 2],
    ]);
  });
});

describe('README Lua policy', () => {
  const lua = codeBlocks().filter((b) => b.lang === 'lua');

  it('is the example of docs/policies.md (which test/policy/docs-example.test.ts runs)', () => {
    expect(lua).toHaveLength(1);
    const docs = fs.readFileSync(path.join(repoRoot, 'docs/policies.md'), 'utf8');
    expect(docs).toContain('```lua\n' + lua[0]!.code + '```');
  });

  it('loads through the README config and votes as the README says', () => {
    const block = codeBlocks().find((b) => b.lang === 'toml' && b.code.includes('quorum-anchor'))!;
    const stateDir = tempDir('tally-readme-policy-');
    const config = parseConfig(block.code, { file: '/etc/tally/tally.toml', stateDirOverride: stateDir });
    const file = path.join(stateDir, 'policies/quorum-anchor.lua');
    fs.mkdirSync(path.dirname(file));
    fs.writeFileSync(file, lua[0]!.code);
    const [policy] = loadPolicyChain(config.policy);
    const D = 'd'.repeat(64);
    expect(policy!.evaluate([agrees('builder-a', D), agrees('builder-b', D)])).toMatchObject({
      kind: 'decided',
      digest: D,
      confidence: 1,
    });
    expect(policy!.evaluate([absent('builder-a'), agrees('builder-b', D)])).toMatchObject({
      kind: 'declined',
      reason: 'the anchor log builder-a is absent',
    });
    expect(section('Writing a Lua policy')).toContain(
      'with `builder-a` absent it declines with `the anchor log builder-a is absent`',
    );
  });
});
