import type { PolicyConfig } from '../config/types.js';
import { builtinPolicyFile, loadPolicy, type Policy } from '../policy/index.js';

/** Loads and checks the configured chain at start; a broken script throws (file:line) and stops the start. */
export function loadPolicyChain(configs: readonly PolicyConfig[]): Policy[] {
  return configs.map((config) =>
    loadPolicy({
      name: config.name,
      file: config.source.kind === 'builtin' ? builtinPolicyFile(config.source.name) : config.source.path,
      params: config.params as Parameters<typeof loadPolicy>[0]['params'],
      limits: { instructions: config.limits.instructions, memoryBytes: config.limits.memoryBytes },
    }),
  );
}
