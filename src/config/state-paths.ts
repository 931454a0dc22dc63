import path from 'node:path';
import type { Config } from './types.js';

/** The absolute files and sockets the daemon uses, with the defaults under state_dir filled in. */
export interface StatePaths {
  stateDir: string;
  keysDir: string; // where generated keys go (writeKeyPair)
  publishKeyFile: string;
  cacheKeyFile: string;
  witnessKeyFile: string;
  witnessAuditKeyFile: string;
  adminSocket: string;
}

/*
 * The layout of state_dir, spelled here and nowhere else:
 *   keys/<name>.secret, keys/cache.secret,  generated keys (and their .public halves)
 *   keys/witness.secret, keys/witness-audit.secret
 *   admin.sock                              the admin API's default socket
 *   lock/                                   held while a daemon runs (one daemon per state_dir)
 *   logs/<log id>/                          each published log's LevelDB store
 *   logs/<log id>.checkpoint                a copy of its latest checkpoint note
 *   logs/<log id>.cosignatures.json         its [[publish.witness]] cosignatures, newest per witness
 *   follower/                               the follower's LevelDB store
 *   witness/                                the witness's LevelDB store (latest cosigned, evidence)
 *   mirrors/<logId>/                        a mirrored followed log's LevelDB ([[follow]] mirror)
 *   spool/, spool/rejected/                 submissions the post-build hook could not hand over
 */

export function keysDirOf(stateDir: string): string {
  return path.join(stateDir, 'keys');
}

/** The admin API's socket when `[admin] socket` is not set. */
export function adminSocketOf(stateDir: string): string {
  return path.join(stateDir, 'admin.sock');
}

export function stateLockDirOf(stateDir: string): string {
  return path.join(stateDir, 'lock');
}

export function logStoreDirOf(stateDir: string, logId: string): string {
  return path.join(stateDir, 'logs', logId);
}

export function checkpointCopyFileOf(stateDir: string, logId: string): string {
  return path.join(stateDir, 'logs', `${logId}.checkpoint`);
}

export function cosignaturesFileOf(stateDir: string, logId: string): string {
  return path.join(stateDir, 'logs', `${logId}.cosignatures.json`);
}

export function followerStoreDirOf(stateDir: string): string {
  return path.join(stateDir, 'follower');
}

export function witnessStoreDirOf(stateDir: string): string {
  return path.join(stateDir, 'witness');
}

export function mirrorDirOf(stateDir: string, logId: string): string {
  return path.join(stateDir, 'mirrors', logId);
}

/** The reproducibility report's index, fed from the mirrors. */
export function r13yIndexDirOf(stateDir: string): string {
  return path.join(stateDir, 'r13y');
}

export function spoolDirOf(stateDir: string): string {
  return path.join(stateDir, 'spool');
}

/** Where the daemon sets aside spool files it will not retry. */
export function rejectedSpoolDirOf(spoolDir: string): string {
  return path.join(spoolDir, 'rejected');
}

export function resolveStatePaths(config: Config): StatePaths {
  const keysDir = keysDirOf(config.stateDir);
  return {
    stateDir: config.stateDir,
    keysDir,
    publishKeyFile: config.publish.keyFile ?? path.join(keysDir, `${config.publish.name}.secret`),
    cacheKeyFile: config.cache.keyFile ?? path.join(keysDir, 'cache.secret'),
    witnessKeyFile: config.witness.keyFile ?? path.join(keysDir, 'witness.secret'),
    witnessAuditKeyFile: config.witness.auditKeyFile ?? path.join(keysDir, 'witness-audit.secret'),
    adminSocket: config.admin.socket ?? adminSocketOf(config.stateDir),
  };
}
