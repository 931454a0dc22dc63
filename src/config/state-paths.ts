import path from 'node:path';
import type { Config } from './types.js';

/** The absolute files and sockets the daemon uses, with the defaults under state_dir filled in. */
export interface StatePaths {
  stateDir: string;
  keysDir: string; // where generated keys go (writeKeyPair)
  publishKeyFile: string;
  cacheKeyFile: string;
  adminSocket: string;
}

export function resolveStatePaths(config: Config): StatePaths {
  const keysDir = path.join(config.stateDir, 'keys');
  return {
    stateDir: config.stateDir,
    keysDir,
    publishKeyFile: config.publish.keyFile ?? path.join(keysDir, `${config.publish.name}.secret`),
    cacheKeyFile: config.cache.keyFile ?? path.join(keysDir, 'cache.secret'),
    adminSocket: config.admin.socket ?? path.join(config.stateDir, 'admin.sock'),
  };
}
