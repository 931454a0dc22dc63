import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { ConfigError, configErrorMap, toConfigIssues } from './issues.js';
import { configFileSchema } from './schema.js';
import { toConfig } from './to-config.js';
import type { Config } from './types.js';

export interface ParseConfigOptions {
  /** The config file's path: names it in errors, and relative paths start from its directory. */
  file?: string;
  /** `--state DIR`: replaces state_dir; relative to cwd. */
  stateDirOverride?: string;
  /** Defaults to process.cwd(). */
  cwd?: string;
}

/** Parses and validates TOML config text; throws ConfigError (an InvalidArgumentError) naming every issue. */
export function parseConfig(text: string, options: ParseConfigOptions = {}): Config {
  let document: unknown;
  try {
    document = parseToml(text);
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // smol-toml's message is "Invalid TOML document: <reason>\n\n<excerpt with a caret>".
    const [headline = '', ...excerpt] = error.message.trimEnd().split('\n');
    const reason = headline.replace(/^Invalid TOML document: /, '');
    throw new ConfigError(options.file, [
      {
        path: '',
        line: error.line,
        column: error.column,
        message: `TOML syntax error: ${reason}\n${excerpt.join('\n')}`,
      },
    ]);
  }
  return parseConfigObject(document, options);
}

/**
 * Validates an already-parsed config (TOML or JSON, snake_case keys as in the file) with the same
 * rules and errors as parseConfig; `{}` gives the embedded defaults.
 */
export function parseConfigObject(document: unknown, options: ParseConfigOptions = {}): Config {
  const result = configFileSchema.safeParse(document, { error: configErrorMap });
  if (!result.success) {
    throw new ConfigError(options.file, toConfigIssues(result.error.issues));
  }
  const cwd = options.cwd ?? process.cwd();
  return toConfig(result.data, {
    cwd,
    configDir: options.file === undefined ? cwd : path.dirname(path.resolve(cwd, options.file)),
    stateDirOverride: options.stateDirOverride,
  });
}
