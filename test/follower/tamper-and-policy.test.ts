import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonProcess } from '../helpers/daemon.js';
import { digestOf, keyOf, names, publish, testCluster, type Publisher } from './cluster.js';

const MARKER = Buffer.from('output tamper-me');
/** What the proxy flips: the value, and its digest (in every answer, with a value or without). */
const TAMPERED = [MARKER, Buffer.from(digestOf(MARKER.toString()), 'hex')];

/** A TCP proxy that flips one bit of every occurrence of TAMPERED in what the server sends back. */
async function startFlippingProxy(target: string): Promise<{ address: string; close(): void }> {
  const [host, port] = [
    target.slice(0, target.lastIndexOf(':')),
    Number(target.slice(target.lastIndexOf(':') + 1)),
  ];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host);
    sockets.add(client).add(upstream);
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      for (const pattern of TAMPERED)
        for (let at = chunk.indexOf(pattern); at >= 0; at = chunk.indexOf(pattern, at + 1))
          chunk[at + 7]! ^= 0x01;
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close() {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

describe('tampered answers and hostile policies', () => {
  const cluster = testCluster('tally-tamper-');
  const root = cluster.root;
  let pubs: Publisher[];
  let proxy: Awaited<ReturnType<typeof startFlippingProxy>>;
  let follower: DaemonProcess;
  let hostile: DaemonProcess;

  beforeAll(async () => {
    pubs = await Promise.all(['t1', 't2', 't3'].map((n) => cluster.publisher(n)));
    await Promise.all(pubs.map((p) => publish(p, 'tampered', MARKER.toString())));
    proxy = await startFlippingProxy(pubs[2]!.address);
    const follows = [pubs[0]!, pubs[1]!, { ...pubs[2]!, address: proxy.address }];
    const loop = path.join(root, 'loop.lua');
    // Declines when there are no votes (the check at start), loops forever otherwise.
    fs.writeFileSync(
      loop,
      'return function(votes, params)\n  if #votes == 0 then return nil, "no votes" end\n  while true do end\nend\n',
    );
    const osPolicy = path.join(root, 'os.lua');
    fs.writeFileSync(
      osPolicy,
      'return function(votes, params)\n  if #votes == 0 then return nil, "no votes" end\n  return os.getenv("HOME"), 1\nend\n',
    );
    const policies =
      `[[policy]]\nname = "endless"\nfile = ${JSON.stringify(loop)}\nlimits.instructions = 100000\n` +
      `[[policy]]\nname = "uses-os"\nfile = ${JSON.stringify(osPolicy)}\n`;
    [follower, hostile] = await Promise.all([
      cluster.follower('follower', follows),
      cluster.follower('hostile', pubs, policies),
    ]);
  }, 60_000);
  afterAll(() => proxy?.close());

  it('a log whose answers are tampered with in transit is unavailable and never counted', async () => {
    // Three decisions: each log's answer carries the value once (they take turns), t3's included.
    for (let turn = 0; turn < 3; turn++) {
      const d = await follower.adminClient().decide({ key: keyOf('tampered'), bypassCache: true });
      expect(d.decided).toBe(true);
      expect(d.digest.toString('hex')).toBe(digestOf(MARKER.toString()));
      expect(d.value.equals(MARKER)).toBe(true);
      expect(d.confidence).toBeCloseTo(2 / 3, 6); // t3 is in the denominator, not among the agreeing
      expect(names(d.agreeing)).toEqual(['t1', 't2']);
      expect(d.unavailable.map((v) => v.name)).toEqual(['t3']);
      expect(d.unavailable[0]!.detail).toMatch(/does not hash to the logged digest|verif|proof/);
    }
    // Its heads are untouched by the proxy, so it is not compromised: only its answer did not count.
    const row = (await follower.publicClient().listLogs({})).logs.find((l) => l.name === 't3')!;
    expect(row.state).toBe('healthy');
  });

  it('an endless loop and a policy using os both give undecided with the reasons, without harm', async () => {
    const started = Date.now();
    const d = await hostile.adminClient().decide({ key: keyOf('tampered'), bypassCache: true });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(d.decided).toBe(false);
    expect(d.policy).toBe('endless > uses-os');
    expect(d.reason).toMatch(/^endless: .*instruction/i);
    expect(d.reason).toMatch(/uses-os: .*os/);
    expect(names(d.dissenting)).toEqual(['t1', 't2', 't3']); // they answered; nothing was decided
    // The daemon still answers.
    const again = await hostile.adminClient().decide({ key: keyOf('tampered'), bypassCache: true });
    expect(again.reason).toBe(d.reason);
  });
});
