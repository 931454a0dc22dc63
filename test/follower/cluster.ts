import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { sha256 } from '../../src/crypto/sha256.js';
import { startDaemonProcess, testConfig, type DaemonProcess } from '../helpers/daemon.js';

/** Helpers for follow/decide tests: publishing daemons, a following daemon, entries. */

export interface Publisher {
  name: string;
  daemon: DaemonProcess;
  /** The log's public key, Nix key-file format. */
  publicKey: string;
  /** host:port of its public API. */
  address: string;
}

/** A 20-byte key, like a Nix store-path hash. */
export const keyOf = (label: string): Buffer => sha256(Buffer.from(`key ${label}`)).subarray(0, 20);
export const digestOf = (value: string): string => sha256(Buffer.from(value)).toString('hex');

/** A free TCP port on 127.0.0.1 (for a publisher that must come back at the same address). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Runs `start` on a free port, with a new one when the port was taken first: a port found free can
 * be handed to anything else binding port 0 (a parallel test) before the daemon binds it.
 */
export async function onFreePort<T>(start: (port: number) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await start(port);
    } catch (err) {
      if (attempt >= 5 || !/EADDRINUSE/.test(String(err))) throw err;
    }
  }
}

export async function startPublisher(
  root: string,
  name: string,
  options: { port?: number; stateDir?: string; keyFile?: string } = {},
): Promise<Publisher> {
  const stateDir = options.stateDir ?? path.join(root, name);
  const listen = `127.0.0.1:${options.port ?? 0}`;
  const keyLine = options.keyFile ? `key_file = ${JSON.stringify(options.keyFile)}\n` : '';
  const config = testConfig(`[publish]\nname = "${name}"\n${keyLine}`).replace(
    'listen = "127.0.0.1:0"',
    `listen = "${listen}"`,
  );
  const daemon = await startDaemonProcess({ stateDir, config });
  const publicFile = options.keyFile
    ? options.keyFile.replace(/\.secret$/, '.public')
    : path.join(stateDir, 'keys', `${name}.public`);
  return { name, daemon, publicKey: fs.readFileSync(publicFile, 'utf8').trim(), address: daemon.api };
}

export async function publish(p: Publisher, label: string, value: string): Promise<void> {
  await p.daemon
    .adminClient()
    .submit({ logId: '', entries: [{ key: keyOf(label), value: Buffer.from(value) }] });
}

export interface FollowEntry {
  name: string;
  publicKey: string;
  address: string;
  weight?: number;
}

export const followOf = (p: Publisher): FollowEntry => ({
  name: p.name,
  publicKey: p.publicKey,
  address: p.address,
});

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

/** Polls `check` until it returns a value (not undefined) or the timeout passes. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await check();
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const names = (votes: { name: string }[]): string[] => votes.map((v) => v.name).sort();
