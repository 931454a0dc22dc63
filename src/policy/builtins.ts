import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { InvalidArgumentError } from '../errors.js';

export const BUILTIN_POLICIES = ['percentage', 'name-match', 'weighted'] as const;
export type BuiltinPolicy = (typeof BUILTIN_POLICIES)[number];

let directory: string | undefined;

/** The path of a built-in policy in the package's lua-policies/ (found from src/ and from dist/). */
export function builtinPolicyFile(name: BuiltinPolicy): string {
  if (!(BUILTIN_POLICIES as readonly string[]).includes(name)) {
    throw new InvalidArgumentError(
      `no built-in policy ${JSON.stringify(name)}; built-ins: ${BUILTIN_POLICIES.join(', ')}`,
    );
  }
  directory ??= findPolicyDirectory();
  return join(directory, `${name}.lua`);
}

function findPolicyDirectory(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 5; depth++, dir = dirname(dir)) {
    const candidate = join(dir, 'lua-policies');
    if (existsSync(join(candidate, 'percentage.lua'))) return candidate;
  }
  throw new Error('lua-policies/ not found above ' + fileURLToPath(import.meta.url));
}
