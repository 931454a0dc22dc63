import type { Command } from 'commander';

/**
 * The one way a command documents itself beyond its options: optional notes, then an
 * "Examples:" block of command lines, shown after commander's own `--help` text. Every command
 * registers through this (test/cli/help.test.ts fails for a command without examples, and checks
 * that each example parses against the command's real options).
 */
export function withExamples(command: Command, examples: readonly string[], notes?: string): Command {
  if (examples.length === 0)
    throw new Error(`tally ${command.name()}: withExamples needs at least one example`);
  const parts = [
    ...(notes ? ['', notes.trim()] : []),
    '',
    'Examples:',
    ...examples.map((example) => `  $ ${example}`),
  ];
  return command.addHelpText('after', parts.join('\n'));
}
