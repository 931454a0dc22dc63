import { readFileSync } from 'node:fs';

import { InvalidArgumentError } from '../errors.js';
import { compileChunk, type CompiledChunk } from './compile.js';
import { runPolicy } from './evaluation.js';
import { resolveLimits, type PolicyLimits } from './limits.js';
import { validateParams } from './params.js';
import type { Verdict } from './result.js';
import type { PolicyParams, Vote } from './types.js';
import { validateVotes } from './votes.js';

export interface LoadPolicyOptions {
  /** Names the policy in outcomes and messages. */
  name: string;
  /** A Lua file; exactly one of `file` and `source`. */
  file?: string;
  source?: string;
  params?: PolicyParams;
  limits?: Partial<PolicyLimits>;
}

/** A loaded, checked policy. Evaluation is synchronous and never throws for anything the script does. */
export class Policy {
  private compiled: CompiledChunk | null;

  /** Use loadPolicy. */
  constructor(
    readonly name: string,
    private readonly source: Uint8Array,
    private readonly chunkName: string,
    readonly params: PolicyParams,
    readonly limits: PolicyLimits,
  ) {
    this.compiled = compileChunk(source, chunkName);
  }

  /** Checks the votes (InvalidArgumentError), then evaluates them. */
  evaluate(votes: readonly Vote[]): Verdict {
    validateVotes(votes);
    return this.verdict(votes);
  }

  /**
   * Evaluates votes already checked (a chain checks them once for all its policies). A state that
   * was stopped mid-operation is rebuilt before the next use.
   */
  verdict(votes: readonly Vote[]): Verdict {
    this.compiled ??= compileChunk(this.source, this.chunkName);
    const verdict = runPolicy(this.compiled, this.params, votes, this.limits);
    if (verdict.kind === 'failed' && verdict.stopped) this.compiled = null;
    return verdict;
  }
}

/**
 * Loads and checks a policy at start: compiles it (a syntax error throws InvalidArgumentError
 * `file:line: message`), then calls it once with no votes. That run must end in `nil, reason`,
 * which checks that the chunk returns a function, that it copes with an empty vote list (a node
 * may follow no logs), and, for policies that check their params up front, the params.
 */
export function loadPolicy(options: LoadPolicyOptions): Policy {
  const { name } = options;
  if (typeof name !== 'string' || name === '')
    throw new InvalidArgumentError('policy name must be a non-empty string');
  const policy = new Policy(
    name,
    ...readSource(options),
    validateParams(options.params, name),
    resolveLimits(options.limits),
  );
  const check = policy.verdict([]);
  if (check.kind === 'failed')
    throw new InvalidArgumentError(`policy "${name}" fails with no votes: ${check.reason}`);
  return policy;
}

function readSource(options: LoadPolicyOptions): [source: Uint8Array, chunkName: string] {
  const { name, file, source } = options;
  if ((file === undefined) === (source === undefined)) {
    throw new InvalidArgumentError(`policy "${name}": give exactly one of file and source`);
  }
  if (source !== undefined) return [new TextEncoder().encode(source), `=${name}`];
  try {
    return [readFileSync(file as string), `@${file}`];
  } catch (error) {
    throw new InvalidArgumentError(`policy "${name}": cannot read ${file}: ${(error as Error).message}`);
  }
}
