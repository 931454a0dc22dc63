import fs from 'node:fs';
import path from 'node:path';
import { CHECKPOINT_PATH } from '../tiles/index.js';
import type { ResourceBytes } from './log-resources.js';
import type { StaticTarget } from './static-target.js';

const PUBLIC_FILE = 0o644;
const PUBLIC_DIR = 0o755;

/**
 * A static copy in a directory (`[publish.static] dir`): the log's resources under
 * `<dir>/logs/<log id>/`, the daemon's own URL layout, so a web server rooted at `<dir>` serves the
 * same URLs. Each file is written to `<file>.tmp` beside it, fsynced and renamed over the file, so a
 * reader or a crash sees the old file or the new, never a torn one. A leftover `.tmp` belongs to a
 * resource newer than the copy's checkpoint, which the catch-up after a restart rewrites.
 */
export class DirectoryTarget implements StaticTarget {
  readonly kind = 'static';
  /** Directories whose entries changed since the last sync. */
  private readonly unsynced = new Set<string>();

  constructor(readonly root: string) {}

  static forLog(dir: string, logId: string): DirectoryTarget {
    return new DirectoryTarget(path.join(dir, 'logs', logId));
  }

  get description(): string {
    return `the static directory ${this.root}`;
  }

  async readCheckpoint(): Promise<string | undefined> {
    try {
      return await fs.promises.readFile(path.join(this.root, CHECKPOINT_PATH), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async write(relativePath: string, bytes: ResourceBytes): Promise<void> {
    const file = path.join(this.root, relativePath);
    const dir = path.dirname(file);
    const firstMade = await fs.promises.mkdir(dir, { recursive: true });
    // A new directory is an entry in its parent: those must reach the disk too.
    for (let made = dir; firstMade !== undefined; made = path.dirname(made)) {
      await fs.promises.chmod(made, PUBLIC_DIR);
      this.unsynced.add(path.dirname(made));
      if (made === firstMade) break;
    }
    const temporary = `${file}.tmp`;
    const handle = await fs.promises.open(temporary, 'w', PUBLIC_FILE);
    try {
      // Explicit modes, whatever the daemon's umask (the NixOS unit's is 0077): the copy is
      // public, and the web server serving it runs as another user.
      await handle.chmod(PUBLIC_FILE);
      await handle.writeFile(bytes.body);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(temporary, file);
    this.unsynced.add(dir);
  }

  async sync(): Promise<void> {
    for (const dir of [...this.unsynced]) {
      const handle = await fs.promises.open(dir, 'r');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      this.unsynced.delete(dir);
    }
  }
}
