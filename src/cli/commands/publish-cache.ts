import fs from 'node:fs';
import type { Command } from 'commander';
import { InvalidArgumentError } from '../../errors.js';
import {
  cacheStoreDir,
  fetchNarinfos,
  listNarinfoFiles,
  nixOutputOfNarinfo,
  parseCacheSource,
  readHashPartsFile,
} from '../../builder/binary-cache.js';
import { defaultStoreDir } from '../../builder/nix-command.js';
import { nixEntry } from '../../builder/nix-entries.js';
import type { Entry } from '../../entry/entry.js';
import { createProgress } from '../progress.js';
import { describeCounts } from '../../builder/submit-entries.js';
import { publishEntries } from '../publish-entries.js';
import { addSubmitTargetOptions, type SubmitTargetOptions } from '../api-options.js';
import { runCommand } from '../output.js';
import { withExamples } from '../help.js';

interface PublishCacheOptions extends SubmitTargetOptions {
  paths?: string;
  storeDir?: string;
}

function entryOf(text: string, storeDir: string, where: string): Entry {
  try {
    return nixEntry(nixOutputOfNarinfo(text, storeDir), storeDir);
  } catch (err) {
    throw new InvalidArgumentError(`${where}: ${(err as Error).message}`);
  }
}

export function registerPublishCache(program: Command): void {
  withExamples(
    addSubmitTargetOptions(
      program
        .command('publish-cache')
        .description('publish every narinfo of an existing binary cache (admin API)')
        .argument(
          '<url-or-dir>',
          'a cache directory, file:///dir, or http(s)://host (then --paths is needed)',
        )
        .option(
          '--paths <file>',
          'store paths (or hash parts) to publish, one a line; required for http(s) caches',
        )
        .option(
          '--store-dir <dir>',
          "store dir of the cache (default: its nix-cache-info's StoreDir, else $NIX_STORE_DIR or /nix/store)",
        ),
    ),
    [
      'tally publish-cache /srv/cache --state /var/lib/tally',
      'tally publish-cache file:///srv/cache --admin-socket /run/tally/admin.sock --json',
      'tally publish-cache https://cache.example.org --paths paths.txt',
    ],
    `Each narinfo's StorePath, NarHash, NarSize, References and CA become the canonical value, submitted
in batches of at most 1,000. A directory cache is listed; an HTTP cache has no listing, so name its
paths with --paths (e.g. from \`nix path-info --all\`). A progress bar is drawn on stderr when it is
a terminal and CI is not set; piped or in CI only the final line is printed. A path the log already
holds with another value is a conflict (exit 2).`,
  ).action((target: string, options: PublishCacheOptions) =>
    runCommand(options, async () => {
      const source = parseCacheSource(target);
      if (source.kind === 'dir' && options.paths) {
        throw new InvalidArgumentError('--paths is for http(s) caches; a directory is listed');
      }
      if (source.kind === 'http' && !options.paths) {
        throw new InvalidArgumentError(
          `${target} is an HTTP cache, which cannot be listed: give its store paths with --paths FILE`,
        );
      }
      const storeDir = options.storeDir ?? (await cacheStoreDir(source, defaultStoreDir()));
      let entries: Entry[];
      if (source.kind === 'dir') {
        const files = listNarinfoFiles(source.location);
        const progress = createProgress('reading narinfos', files.length);
        entries = files.map((file, i) => {
          progress.update(i + 1);
          return entryOf(fs.readFileSync(file, 'utf8'), storeDir, file);
        });
        progress.finish();
      } else {
        const hashParts = readHashPartsFile(options.paths!, storeDir);
        const progress = createProgress('fetching narinfos', hashParts.length);
        let fetched = 0;
        const narinfos = await fetchNarinfos(source.location, hashParts, () =>
          progress.update(++fetched),
        ).finally(() => progress.finish());
        entries = narinfos.map((n) => entryOf(n.text, storeDir, `${source.location}/${n.hashPart}.narinfo`));
      }
      const counts = await publishEntries(options, 'publishing', entries);
      return {
        human: `${entries.length} narinfos from ${target}: ${describeCounts(counts)}`,
        json: {
          narinfos: entries.length,
          appended: counts.appended,
          alreadyPresent: counts.alreadyPresent,
        },
      };
    }),
  );
}
