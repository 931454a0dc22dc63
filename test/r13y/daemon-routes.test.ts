import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonProcess } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';
import { pollUntil } from '../helpers/poll.js';
import { startPublisher, type Publisher } from '../follower/cluster.js';
import { logOutput, narHash } from './cluster.js';
import { logIdOfPublisher, startMirror, tilesUrlOf } from '../follower/mirror-cluster.js';

/** Three real publishing daemons, mirrored by a fourth, whose HTTP listener serves the report. */
describe('r13y routes of a mirroring daemon', () => {
  const root = tempDir('tally-r13y-');
  let builders: Publisher[] = [];
  let mirror: DaemonProcess | undefined;
  let url: string;
  const paths: Record<string, string> = {};

  beforeAll(async () => {
    builders = await Promise.all(['a', 'b', 'c'].map((n) => startPublisher(root, n)));
    const [a, b, c] = builders as [Publisher, Publisher, Publisher];
    for (const p of builders) paths.same = await logOutput(p, 'same', 'hello-2.12', '0');
    paths.rand = await logOutput(a, 'rand', 'rand-1.0', '1');
    await logOutput(b, 'rand', 'rand-1.0', '2');
    await logOutput(c, 'rand', 'rand-1.0', '3');
    paths.lone = await logOutput(a, 'lone', 'lone-1', '0');
    mirror = await startMirror(
      path.join(root, 'mirror'),
      builders.map((p) => ({ name: p.name, publicKey: p.publicKey, url: tilesUrlOf(p) })),
    );
    url = `http://${mirror.http}`;
  }, 90_000);
  afterAll(async () => {
    await mirror?.stop();
    await Promise.all(builders.map((p) => p.daemon.stop()));
  });

  it('serves the summary, the disputes and each path, fed from the mirrors', async () => {
    const summary = await pollUntil(
      'the report holds all three logs',
      async () => {
        const answer = await fetch(`${url}/r13y.json`);
        const body = (await answer.json()) as { paths: number; shared: number };
        return body.shared === 2 ? body : undefined;
      },
      { timeoutMs: 30_000 },
    );
    expect(summary).toMatchObject({ paths: 3, shared: 2, agreeing: 1, disputed: 1, agreeShare: 0.5 });

    const disputes = (await (await fetch(`${url}/r13y/disputes.json?name=rand`)).json()) as unknown;
    expect(disputes).toEqual({
      total: 1,
      items: [{ hashPart: paths.rand, name: 'rand-1.0' }],
      page: 1,
      perPage: 50,
    });
    const past = (await (await fetch(`${url}/r13y/disputes.json?page=99`)).json()) as {
      total: number;
      items: [];
    };
    expect(past).toMatchObject({ total: 1, items: [] });

    const rand = (await (await fetch(`${url}/r13y/paths/${paths.rand}.json`)).json()) as {
      disputed: boolean;
      groups: { narHash: string; logs: string[] }[];
    };
    expect(rand.disputed).toBe(true);
    expect(rand.groups.map((g) => g.logs.length)).toEqual([1, 1, 1]);
    const same = (await (await fetch(`${url}/r13y/paths/${paths.same}.json`)).json()) as typeof rand;
    expect(same.disputed).toBe(false);
    expect(same.groups).toEqual([
      expect.objectContaining({ narHash: narHash('0'), logs: builders.map(logIdOfPublisher).sort() }),
    ]);
  });

  it('refuses bad input with a clear 4xx', async () => {
    const bad = async (pathAndQuery: string) => {
      const answer = await fetch(url + pathAndQuery);
      return { status: answer.status, text: await answer.text() };
    };
    expect(await bad('/r13y/disputes.json?page=0')).toMatchObject({
      status: 400,
      text: expect.stringMatching(/page/),
    });
    expect(await bad('/r13y/disputes.json?page=x&page=2')).toMatchObject({ status: 400 });
    expect(await bad(`/r13y/disputes.json?name=${'<b>'.repeat(100)}`)).toMatchObject({ status: 400 });
    expect(await bad('/r13y/paths/<script>.json')).toMatchObject({ status: 400 });
    expect(await bad(`/r13y/paths/${'0'.repeat(32)}.json`)).toMatchObject({ status: 404 });
    // 100 KB of query string: Node refuses the header block, the daemon stays up.
    expect((await bad(`/r13y/disputes.json?name=${'a'.repeat(100_000)}`)).status).toBeGreaterThanOrEqual(400);
    expect((await fetch(`${url}/r13y.json`)).status).toBe(200);
  });
});
