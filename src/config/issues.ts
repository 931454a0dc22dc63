import type * as z from 'zod';
import { InvalidArgumentError } from '../errors.js';

/**
 * One thing wrong with a config: the key path as written in TOML (`follow[1].public_key`, "" for the
 * document itself) and why; TOML syntax errors carry their position instead of a key path.
 */
export interface ConfigIssue {
  path: string;
  message: string;
  line?: number;
  column?: number;
}

/** A refused config, with every issue found; the message lists them all, one per line. */
export class ConfigError extends InvalidArgumentError {
  constructor(
    readonly file: string | undefined,
    readonly issues: ConfigIssue[],
  ) {
    super(formatConfigError(file, issues));
    this.name = 'ConfigError';
  }
}

function formatConfigError(file: string | undefined, issues: ConfigIssue[]): string {
  const count = issues.length === 1 ? '1 problem' : `${issues.length} problems`;
  const lines = issues.map((issue) => {
    const where =
      issue.line !== undefined
        ? `${file ?? '<config>'}:${issue.line}:${issue.column ?? 0}: `
        : issue.path === ''
          ? ''
          : `${issue.path}: `;
    return `  ${where}${issue.message.replaceAll('\n', '\n    ')}`;
  });
  return `invalid configuration${file === undefined ? '' : ` in ${file}`} (${count}):\n${lines.join('\n')}`;
}

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

/** `follow[1].public_key`; keys that TOML would quote are quoted (`publish.meta."a b"`). */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else {
      const key = String(part);
      text += (text === '' ? '' : '.') + (BARE_KEY.test(key) ? key : JSON.stringify(key));
    }
  }
  return text;
}

/** zod issues in config terms; an unknown-keys issue becomes one issue per key. */
export function toConfigIssues(issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  return issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: formatKeyPath([...issue.path, key]), message: 'unknown key' }))
      : [{ path: formatKeyPath(issue.path), message: issue.message }],
  );
}

/** What a TOML (or JSON) value is, in the words a config author uses. */
function describeValue(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return 'a date';
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(value)}`;
    case 'number':
      return Number.isInteger(value) ? `the integer ${value}` : `the number ${value}`;
    case 'boolean':
      return `the boolean ${value}`;
    case 'object':
      return 'a table';
    default:
      return typeof value;
  }
}

const EXPECTED_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean (true or false)',
  object: 'a table',
  record: 'a table',
  array: 'an array',
};

function countOf(bound: number | bigint, origin: string): string {
  const [one, many] = origin === 'string' ? ['character', 'characters'] : ['entry', 'entries'];
  return `${bound} ${bound === 1 ? one : many}`;
}

/** Per-parse zod error map: messages that name TOML types and bounds plainly. */
export function configErrorMap(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'required key is missing';
      const expected = EXPECTED_NAMES[issue.expected] ?? issue.expected;
      return `expected ${expected}, got ${describeValue(issue.input)}`;
    }
    case 'too_big': {
      const bound = issue.inclusive ? 'at most' : 'less than';
      return issue.origin === 'number'
        ? `must be ${bound} ${issue.maximum}, got ${String(issue.input)}`
        : `must have ${bound} ${countOf(issue.maximum, issue.origin)}`;
    }
    case 'too_small': {
      const bound = issue.inclusive ? 'at least' : 'greater than';
      return issue.origin === 'number'
        ? `must be ${bound} ${issue.minimum}, got ${String(issue.input)}`
        : `must have ${bound} ${countOf(issue.minimum, issue.origin)}`;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(issue.input)}`;
    case 'invalid_key':
      return `invalid key: ${issue.issues.map((inner) => inner.message).join('; ')}`;
    case 'invalid_union':
      return `expected a string, number, boolean, array or table, got ${describeValue(issue.input)}`;
    default:
      return undefined;
  }
}
