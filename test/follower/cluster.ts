import fs from 'node:fs';
import path from 'node:path';
import { afterAll } from 'vitest';
import { sha256 } from '../../src/crypto/sha256.js';
import { startDaemonProcess, testConfig, type DaemonProcess } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';

/** Helpers for follow/decide tests: publishing daemons, a following daemon, entries. */

export interface Publisher {
  name: string;
  daemon: DaemonProcess;
  /** The log's public key, Nix key-file format. */
  publicKey: string;
  /** host:port of its public API. */
  address: string;
  /** The port the OS gave its public API: pass it back as `port` to restart at the same address. */
  port: number;
}

/** A 20-byte key, like a Nix store-path hash. */
export const keyOf = (label: string): Buffer => sha256(Buffer.from(`key ${label}`)).subarray(0, 20);
export const digestOf = (value: string): string => sha256(Buffer.from(value)).toString('hex');

export interface PublisherOptions {
  /** The port of an earlier run, to come back at the same address; default 0 (the OS picks). */
  port?: number;
  /** Default `<root>/<name>`. */
  stateDir?: string;
  keyFile?: string;
  /** More config after `[publish]`'s keys, e.g. a `[publish.static]` table. */
  extraConfig?: string;
}

/** A publishing daemon named `name`. */
export async function startPublisher(
  root: string,
  name: string,
  options: PublisherOptions = {},
): Promise<Publisher> {
  const stateDir = options.stateDir ?? path.join(root, name);
  const listen = `127.0.0.1:${options.port ?? 0}`;
  const keyLine = options.keyFile ? `key_file = ${JSON.stringify(options.keyFile)}\n` : '';
  const config = testConfig(`[publish]\nname = "${name}"\n${keyLine}${options.extraConfig ?? ''}`).replace(
    'listen = "127.0.0.1:0"',
    `listen = "${listen}"`,
  );
  const daemon = await startDaemonProcess({ stateDir, config });
  const publicFile = options.keyFile
    ? options.keyFile.replace(/\.secret$/, '.public')
    : path.join(stateDir, 'keys', `${name}.public`);
  return {
    name,
    daemon,
    publicKey: fs.readFileSync(publicFile, 'utf8').trim(),
    address: daemon.api,
    port: Number(daemon.api.slice(daemon.api.lastIndexOf(':') + 1)),
  };
}

export async function publish(p: Publisher, label: string, value: string): Promise<void> {
  await p.daemon
    .adminClient()
    .submit({ logId: '', entries: [{ key: keyOf(label), value: Buffer.from(value) }] });
}

/** A log to follow; a Publisher is one. */
export interface FollowEntry {
  name: string;
  publicKey: string;
  address: string;
  weight?: number;
}

/** Config of a node that publishes nothing and follows `logs`; `extra` adds [decide] / [[policy]]. */
export function followerConfig(logs: FollowEntry[], extra = ''): string {
  const follows = logs
    .map(
      (l) =>
        `[[follow]]\nname = "${l.name}"\npublic_key = "${l.publicKey}"\naddress = "${l.address}"\n` +
        `poll_interval_seconds = 1\nrequest_timeout_ms = 1500\n${l.weight ? `weight = ${l.weight}\n` : ''}`,
    )
    .join('');
  return testConfig(`[publish]\nenabled = false\n[decide]\ncache_ttl_seconds = 0\n${extra}\n${follows}`);
}

export async function startFollower(
  stateDir: string,
  logs: FollowEntry[],
  extra = '',
): Promise<DaemonProcess> {
  return startDaemonProcess({ stateDir, config: followerConfig(logs, extra) });
}

/** Daemons of one test file, their state under one temp directory. */
export interface Cluster {
  root: string;
  /** A publishing daemon, state in `<root>/<name>` (see startPublisher). */
  publisher(name: string, options?: PublisherOptions): Promise<Publisher>;
  /** A node following `logs`, state in `<root>/<name>`; `extra` adds [decide] / [[policy]]. */
  follower(name: string, logs: FollowEntry[], extra?: string): Promise<DaemonProcess>;
}

/**
 * A cluster for the tests of the enclosing describe (or file): every daemon it starts is stopped
 * after them, restarted ones included (stopping a stopped daemon does nothing).
 */
export function testCluster(prefix: string): Cluster {
  const root = tempDir(prefix);
  const started: DaemonProcess[] = [];
  afterAll(async () => {
    await Promise.all(started.map((daemon) => daemon.stop()));
  });
  return {
    root,
    async publisher(name, options) {
      const publisher = await startPublisher(root, name, options);
      started.push(publisher.daemon);
      return publisher;
    },
    async follower(name, logs, extra) {
      const follower = await startFollower(path.join(root, name), logs, extra);
      started.push(follower);
      return follower;
    },
  };
}

export const names = (votes: { name: string }[]): string[] => votes.map((v) => v.name).sort();
