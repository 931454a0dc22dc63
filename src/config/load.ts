import fs from 'node:fs';
import { InvalidArgumentError } from '../errors.js';
import { parseConfig, parseConfigObject } from './parse.js';
import type { Config } from './types.js';

export interface ConfigOverrides {
  /** `--state DIR`: replaces state_dir. */
  stateDir?: string;
}

/** Reads and validates the config file; with no file, the embedded defaults. */
export function loadConfig(file: string | undefined, overrides: ConfigOverrides = {}): Config {
  const options = { stateDirOverride: overrides.stateDir };
  if (file === undefined) return parseConfigObject({}, options);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new InvalidArgumentError(`cannot read config file ${file}: ${(error as Error).message}`);
  }
  return parseConfig(text, { ...options, file });
}
