import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/program.js';

/*
 * Reading `tally` command lines as documentation shows them (help examples, README blocks) and
 * checking them against the real commander tree, without running anything.
 */

/**
 * The simple commands of a shell line, as word lists: single and double quotes removed, `\` escapes
 * one character, `#` at the start of a word begins a comment, and `|`, `||`, `&&`, `;` separate
 * commands. No expansion: `$VAR` stays as written.
 */
export function shellCommands(line: string): string[][] {
  const commands: string[][] = [[]];
  let word: string | undefined;
  const endWord = () => {
    if (word !== undefined) commands.at(-1)!.push(word);
    word = undefined;
  };
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated ${c} in: ${line}`);
      word = (word ?? '') + line.slice(i + 1, end);
      i = end + 1;
    } else if (c === '\\') {
      word = (word ?? '') + (line[i + 1] ?? '');
      i += 2;
    } else if (c === ' ' || c === '\t') {
      endWord();
      i++;
    } else if (c === '#' && word === undefined) {
      break;
    } else if (c === '|' || c === '&' || c === ';') {
      endWord();
      commands.push([]);
      i += line[i + 1] === c ? 2 : 1;
    } else {
      word = (word ?? '') + c;
      i++;
    }
  }
  endWord();
  return commands.filter((words) => words.length > 0);
}

/** Words without output redirections (`> file`, `2>&1`, `>>file`). */
function withoutRedirections(words: string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (/^\d*>>?$/.test(w))
      i++; // the file name is the next word
    else if (!/^\d*>/.test(w)) kept.push(w);
  }
  return kept;
}

/**
 * The argument lists given to `tally` in a shell line: `tally ...`, `npx tally ...`, `exec tally
 * ...`, with `VAR=value` assignments in front allowed.
 */
export function tallyInvocations(line: string): string[][] {
  return shellCommands(line).flatMap((words) => {
    const at = words.indexOf('tally');
    if (at < 0) return [];
    const prefixOk = words
      .slice(0, at)
      .every((w) => w === 'npx' || w === 'exec' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(w));
    return prefixOk ? [withoutRedirections(words.slice(at + 1))] : [];
  });
}

/** Every command of the tree with its path below the program ([] for the program itself). */
export function commandPaths(program: Command): Array<{ path: string[]; command: Command }> {
  const walk = (command: Command, path: string[]): Array<{ path: string[]; command: Command }> => [
    { path, command },
    ...command.commands.flatMap((sub) => walk(sub, [...path, sub.name()])),
  ];
  return walk(program, []);
}

/**
 * Parses `args` exactly as `tally` would, with every action replaced by a no-op: resolves with
 * the path of the command reached, or rejects with commander's error (unknown option, missing
 * argument or required option, too many arguments, no command).
 */
export async function parseTallyArgs(args: string[]): Promise<string[]> {
  const program = buildProgram();
  let reached: string[] | undefined;
  for (const { path, command } of commandPaths(program)) {
    command.configureOutput({ writeOut: () => {}, writeErr: () => {} });
    // Groups (verify, prove) keep having no action, as in the real program.
    if (command !== program && command.commands.length === 0) command.action(() => void (reached = path));
  }
  await program.parseAsync(args, { from: 'user' });
  if (reached === undefined) throw new Error(`tally ${args.join(' ')} reaches no command`);
  return reached;
}
