import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { stringify } from 'smol-toml';
import { parseConfig } from '../../src/config/parse.js';
import type { Config } from '../../src/config/types.js';
import { repoRoot } from '../helpers/tmp.js';

export const nixosDir = path.join(repoRoot, 'nixos');
const harness = path.join(import.meta.dirname, 'nix/eval-module.nix');

export interface NixResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs nix-instantiate. A missing binary fails the test (CI installs Debian's nix-bin); it never skips. */
export function nixInstantiate(args: string[]): NixResult {
  const result = spawnSync('nix-instantiate', args, { encoding: 'utf8' });
  if (result.error) {
    throw new Error(
      `cannot run nix-instantiate (${result.error.message}): these checks need Nix, e.g. Debian's nix-bin`,
    );
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** What nix/eval-module.nix reports; everything but failedAssertions is absent when one fails. */
export interface ModuleEvaluation {
  failedAssertions: string[];
  settings: Record<string, unknown>;
  configFile: string;
  service: { serviceConfig: Record<string, unknown>; wantedBy: string[] };
  users: { users: Record<string, Record<string, unknown>>; groups: Record<string, unknown> };
  nixSettings: Record<string, unknown>;
  postBuildHookScript: string | null;
  firewallPorts: number[];
  tmpfiles: string[];
}

/**
 * Evaluates a nixos/ example through the module it imports (with the stand-in nixpkgs of
 * nix/stub-nixos.nix). `patch` is a Nix attribute set replacing top-level attributes of the
 * example's services.tally. Read-only mode: policy files get their store paths, nothing is written.
 */
export function evalModule(example: string, patch?: string): ModuleEvaluation {
  const args = ['--eval', '--strict', '--json', '--readonly-mode', harness];
  args.push('--arg', 'example', path.join(nixosDir, example));
  if (patch !== undefined) args.push('--arg', 'patch', patch);
  const result = nixInstantiate(args);
  if (result.status !== 0) throw new Error(`evaluating ${example} failed:\n${result.stderr}`);
  return JSON.parse(result.stdout) as ModuleEvaluation;
}

/** The module's settings as the daemon reads them: rendered to TOML, then its own config parser. */
export function parseRenderedSettings(evaluation: ModuleEvaluation): Config {
  return parseConfig(stringify(evaluation.settings), { file: evaluation.configFile });
}
