import fs from 'node:fs';
import path from 'node:path';
import type { AdminClient } from '../../src/api/client.js';
import { startDaemonProcess, testConfig, type DaemonProcess } from '../helpers/daemon.js';
import { serveDirectory } from '../cache/static-server.js';
import { startPublisher, type Publisher } from '../follower/cluster.js';
import { writeHookScript } from '../builder/nix-store.js';
import { createChrootNixStore, type ChrootNixStore } from './chroot-nix-store.js';
import { tilesUrlOf } from '../follower/mirror-cluster.js';

/**
 * One builder of the end-to-end setup: a `tally daemon` publishing its log, a Nix store of its
 * own, and a binary cache (`nix copy --to file://...`) behind a plain static HTTP server.
 */
export interface Builder {
  name: string;
  publisher: Publisher;
  store: ChrootNixStore;
  cacheDir: string;
  /** URL of the static server over cacheDir: the follow's meta.upstream. */
  cacheUrl: string;
  /** `nix copy`s paths into this builder's binary cache. */
  copyToCache(paths: string[]): Promise<void>;
  close(): Promise<void>;
}

export interface BuilderOptions {
  /** Publish every build through the real post-build hook, set in the store's nix.conf. */
  postBuildHook?: boolean;
  /** Compression of the binary cache's NARs. */
  compression: 'none' | 'xz' | 'zstd';
  /** The contents of /tally-flavour in this builder's builds (an impurity that varies by builder). */
  flavour: string;
}

export async function startBuilder(root: string, name: string, options: BuilderOptions): Promise<Builder> {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  const publisher = await startPublisher(dir, name);
  const flavourFile = path.join(dir, 'flavour');
  fs.writeFileSync(flavourFile, `${options.flavour}\n`);
  const hook = options.postBuildHook
    ? writeHookScript(path.join(dir, 'post-build-hook.sh'), ['--state', publisher.daemon.stateDir])
    : undefined;
  const store = createChrootNixStore(path.join(dir, 'nix'), {
    postBuildHook: hook,
    sandboxFiles: { '/tally-flavour': flavourFile },
  });
  const cacheDir = path.join(dir, 'binary-cache');
  fs.mkdirSync(cacheDir);
  const server = await serveDirectory(cacheDir);
  return {
    name,
    publisher,
    store,
    cacheDir,
    cacheUrl: server.url,
    async copyToCache(paths) {
      await store.nix(['copy', '--to', `file://${cacheDir}?compression=${options.compression}`, ...paths]);
    },
    async close() {
      await publisher.daemon.stop();
      await server.close();
    },
  };
}

/** A user's daemon, with what tests talk to: its admin API and its cache proxy. */
export interface ClientDaemon {
  daemon: DaemonProcess;
  admin: AdminClient;
  /** http://host:port of the cache proxy. */
  cacheUrl: string;
  /** The proxy's public key, as Nix's trusted-public-keys takes it. */
  publicKey: string;
}

/**
 * A user's daemon: publishes nothing, follows `builders` (each with its cache as meta.upstream)
 * and serves the cache proxy on an ephemeral port. `policies` is TOML of [[policy]] tables.
 */
export async function startClientDaemon(
  stateDir: string,
  /** Each log followed, with its cache as meta.upstream. */
  builders: Pick<Builder, 'name' | 'publisher' | 'cacheUrl'>[],
  policies: string,
  /** Extra `[cache]` keys, one `key = value` a line. */
  cacheSettings = '',
  /** Mirror each log over its daemon's tiles (`url`, `mirror = true`) instead of asking its gRPC API. */
  mirrored = false,
  /** The daemon's environment; the test process's by default. */
  env?: NodeJS.ProcessEnv,
): Promise<ClientDaemon> {
  const follows = builders
    .map(
      (b) =>
        `[[follow]]\nname = "${b.name}"\npublic_key = "${b.publisher.publicKey}"\n` +
        (mirrored
          ? `url = "${tilesUrlOf(b.publisher)}"\nmirror = true\n`
          : `address = "${b.publisher.address}"\n`) +
        `poll_interval_seconds = 1\nrequest_timeout_ms = 5000\n` +
        `[follow.meta]\nupstream = "${b.cacheUrl}"\n`,
    )
    .join('');
  const config = testConfig(
    `[publish]\nenabled = false\n[decide]\ncache_ttl_seconds = 0\n${policies}\n${follows}`,
  )
    // testConfig turns the proxy off; this daemon is the one that serves it.
    .replace('[cache]\nlisten = ""', `[cache]\nlisten = "127.0.0.1:0"\n${cacheSettings}`);
  const daemon = await startDaemonProcess({ stateDir, config, env });
  if (!daemon.cache) throw new Error(`the client daemon reported no cache address:\n${daemon.output()}`);
  const publicKey = fs.readFileSync(path.join(stateDir, 'keys', 'cache.public'), 'utf8').trim();
  return { daemon, admin: daemon.adminClient(), cacheUrl: `http://${daemon.cache}`, publicKey };
}

/** `nix copy --from <proxy>` into the client store, trusting only the proxy's key. */
export const copyFromProxy = (store: ChrootNixStore, client: ClientDaemon, storePath: string) =>
  store.tryNix([
    'copy',
    '--from',
    client.cacheUrl,
    '--to',
    `local?root=${store.root}`,
    '--option',
    'trusted-public-keys',
    client.publicKey,
    storePath,
  ]);
