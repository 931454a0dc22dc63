import fs from 'node:fs';
import { ClassicLevel } from 'classic-level';
import { stateLockDirOf } from '../config/state-paths.js';
import { TallyError } from '../errors.js';

/**
 * One daemon per state directory. The lock is a tiny LevelDB whose LOCK file LevelDB holds with
 * fcntl for as long as the process lives: the kernel releases it when the process dies, even by
 * SIGKILL, so a crash never leaves a stale lock behind (a pid file would).
 */
export class StateLock {
  private constructor(private readonly db: ClassicLevel) {}

  static async acquire(stateDir: string): Promise<StateLock> {
    fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    const db = new ClassicLevel(stateLockDirOf(stateDir));
    try {
      await db.open();
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      if (cause?.code === 'LEVEL_LOCKED') {
        throw new TallyError(
          'UNAVAILABLE',
          `state directory ${stateDir} is in use by another tally daemon; stop it first or use --state`,
        );
      }
      throw new TallyError(
        'UNAVAILABLE',
        `cannot lock state directory ${stateDir}: ${(err as Error).message}`,
      );
    }
    return new StateLock(db);
  }

  async release(): Promise<void> {
    await this.db.close();
  }
}
