import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DaemonProcess } from '../helpers/daemon.js';
import { tempDir } from '../helpers/tmp.js';
import { pollUntil } from '../helpers/poll.js';
import { startPublisher, type Publisher } from '../follower/cluster.js';
import { logIdOfPublisher, startMirror, tilesUrlOf } from '../follower/mirror-cluster.js';
import { logOutput, narHash } from './cluster.js';

/** Debian's chromium; .ci/run installs it. The browser test fails without it, in CI and out. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Screenshots of the pages, kept after the run (gitignored; README "Tests"). */
const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts');

/*
 * The browser globals that page.evaluate callbacks use. The project compiles without the DOM lib
 * (it would retype fetch and Headers for all of Node.js), so the few used are declared here.
 */
interface XmlElement {
  namespaceURI: string | null;
  localName: string;
  textContent: string | null;
  getAttribute(name: string): string | null;
  getElementsByTagNameNS(ns: string, name: string): ArrayLike<XmlElement>;
}
interface BrowserGlobals {
  document: { documentElement: { scrollWidth: number } };
  innerWidth: number;
  DOMParser: new () => {
    parseFromString(
      text: string,
      type: string,
    ): { documentElement: XmlElement; getElementsByTagName(name: string): ArrayLike<XmlElement> };
  };
}

/**
 * The report's web page, its feed and its answers to hostile requests, on a real daemon mirroring
 * three real publishing daemons: a, b and c agree on hello and python3.11-requests, all three
 * disagree on rand (non-reproducible), and c alone logs another openssl than a and b.
 */
describe('the r13y web page of a mirroring daemon', () => {
  const root = tempDir('tally-r13y-web-');
  let builders: Publisher[] = [];
  let mirror: DaemonProcess | undefined;
  let browser: Browser | undefined;
  let url: string;
  const paths: Record<string, string> = {};

  beforeAll(async () => {
    builders = await Promise.all(['a', 'b', 'c'].map((n) => startPublisher(root, n)));
    const [a, b, c] = builders as [Publisher, Publisher, Publisher];
    for (const p of builders) {
      paths.hello = await logOutput(p, 'hello', 'hello-2.12', '0');
      paths.requests = await logOutput(p, 'requests', 'python3.11-requests-2.31.0', '0');
    }
    paths.rand = await logOutput(a, 'rand', 'rand-1.0', '1');
    await logOutput(b, 'rand', 'rand-1.0', '2');
    await logOutput(c, 'rand', 'rand-1.0', '3');
    paths.openssl = await logOutput(a, 'openssl', 'openssl-3.0.13', '0');
    await logOutput(b, 'openssl', 'openssl-3.0.13', '0');
    await logOutput(c, 'openssl', 'openssl-3.0.13', '9');
    paths.lone = await logOutput(a, 'lone', 'lone-1', '0');
    mirror = await startMirror(
      path.join(root, 'mirror'),
      builders.map((p) => ({ name: p.name, publicKey: p.publicKey, url: tilesUrlOf(p) })),
    );
    url = `http://${mirror.http}`;
    await pollUntil(
      'the report holds all three logs',
      async () => {
        const body = (await (await fetch(`${url}/r13y.json`)).json()) as { shared: number };
        return body.shared === 4 ? body : undefined;
      },
      { timeoutMs: 30_000 },
    );
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    fs.mkdirSync(ARTIFACTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await mirror?.stop();
    await Promise.all(builders.map((p) => p.daemon.stop()));
  });

  /** A page that records every URL it requests, to show that nothing loads from outside the node. */
  async function openPage(options: Parameters<Browser['newContext']>[0] = {}) {
    const context = await browser!.newContext(options);
    const page = await context.newPage();
    const requested: string[] = [];
    page.on('request', (request) => requested.push(request.url()));
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url})`);
    });
    return { page, requested, errors, close: () => context.close() };
  }

  /** The page of the pair of builders named `x` and `y`, log ids in order. */
  const pairHref = (x: string, y: string) => {
    const ids = [x, y].map((n) => logIdOfPublisher(builders.find((p) => p.name === n)!)).sort();
    return `/r13y/pairs/${ids[0]}/${ids[1]}`;
  };

  const rowsOf = (page: Page, table: string) =>
    page
      .locator(`#${table} tbody tr`)
      .evaluateAll((rows) =>
        rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent!.trim())),
      );

  it('shows the summary, searches as you type, opens a dispute and a log pair', async () => {
    const { page, requested, errors, close } = await openPage({ viewport: { width: 1200, height: 900 } });
    const answer = await page.goto(`${url}/r13y`);
    expect(answer?.status()).toBe(200);
    expect(await page.textContent('#agree-share')).toBe('50.0 %');
    expect(await page.textContent('#disputed')).toBe('2');
    expect(await page.textContent('#shared')).toBe('4');
    expect(await page.textContent('#paths')).toBe('5');
    // In the order they became disputed: every log logs rand before openssl, and rand is disputed
    // as soon as two logs hold it, so it is first however the mirrors' feeds interleave.
    expect((await rowsOf(page, 'disputes')).map((r) => r[0])).toEqual(['rand-1.0', 'openssl-3.0.13']);
    // Pairs show log names, most disagreeing first; the two logs of a pair are in log-id order.
    const pairs = (await rowsOf(page, 'pairs')).map(([logs, ...counts]) => [
      logs!.split(' · ').sort().join(' · '),
      ...counts,
    ]);
    expect(pairs.slice(0, 2).sort()).toEqual([
      ['a · c', '4', '2', '50.0 %'],
      ['b · c', '4', '2', '50.0 %'],
    ]);
    expect(pairs[2]).toEqual(['a · b', '4', '1', '25.0 %']);
    expect(await rowsOf(page, 'packages')).toEqual([
      ['openssl', '0', '1'],
      ['rand', '0', '1'],
      ['hello', '1', '0'],
      ['python3.11-requests', '1', '0'],
    ]);
    expect(await page.getAttribute('link[rel=alternate][type="application/atom+xml"]', 'href')).toBe(
      '/r13y/feed.atom',
    );
    await page.screenshot({ path: path.join(ARTIFACTS, 'r13y-summary.png'), fullPage: true });

    // Search as you type: the script asks disputes.json and rebuilds the table, no reload.
    await page.locator('#name').pressSequentially('open', { delay: 20 });
    await expect.poll(() => rowsOf(page, 'disputes')).toEqual([['openssl-3.0.13', paths.openssl]]);
    expect(await page.textContent('#dispute-count')).toContain('whose name contains “open”');
    expect(page.url()).toBe(`${url}/r13y?name=open`);

    await page.click('#disputes a');
    await page.waitForURL(`${url}/r13y/paths/${paths.openssl}`);
    expect(await page.textContent('h1')).toBe('openssl-3.0.13');
    expect(await page.textContent('#verdict')).toContain('In dispute');
    // A group lists its logs in log-id order; the ids are new each run, so compare as sets.
    const groups = (await rowsOf(page, 'groups')).map(([n, hash, size, logs]) => [
      n,
      hash,
      size,
      logs!.split(', ').sort().join(', '),
    ]);
    expect(groups).toEqual([
      ['1', narHash('0'), '100', 'a, b'],
      ['2', narHash('9'), '100', 'c'],
    ]);
    const observed = await rowsOf(page, 'observations');
    expect(observed.map((r) => [r[0], r[3]])).toEqual(
      [...builders]
        .sort((x, y) => (logIdOfPublisher(x) < logIdOfPublisher(y) ? -1 : 1))
        .map((p) => [p.name, p.name === 'c' ? '2' : '1']),
    );
    expect(observed.every((r) => /^size [1-9][0-9]*$/.test(r[2]!))).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'r13y-dispute.png'), fullPage: true });

    await page.goto(`${url}/r13y`);
    await page.click(`#pairs a[href="${pairHref('a', 'c')}"]`);
    expect(await page.textContent('#pair-disagreeing')).toBe('2');
    expect((await rowsOf(page, 'disputes')).map((r) => r[0]).sort()).toEqual(['openssl-3.0.13', 'rand-1.0']);
    await page.goto(`${url}/r13y`);
    await page.click(`#pairs a[href="${pairHref('a', 'b')}"]`);
    expect((await rowsOf(page, 'disputes')).map((r) => r[0])).toEqual(['rand-1.0']);

    expect(requested.filter((u) => !u.startsWith(`${url}/`))).toEqual([]);
    expect(errors).toEqual([]);
    await close();
  }, 60_000);

  it('searches with JavaScript off: the form is a plain GET the server renders', async () => {
    const { page, requested, close } = await openPage({ javaScriptEnabled: false });
    await page.goto(`${url}/r13y`);
    await page.fill('#name', 'rand');
    await page.press('#name', 'Enter');
    await page.waitForURL(/name=rand/);
    expect(await rowsOf(page, 'disputes')).toEqual([['rand-1.0', paths.rand]]);
    expect(requested.some((u) => u.endsWith('/r13y/disputes.json?name=rand'))).toBe(false);
    await page.click('#disputes a');
    expect(await rowsOf(page, 'groups')).toHaveLength(3);
    await close();
  }, 60_000);

  it('fits a phone screen without sideways scrolling', async () => {
    const { page, close } = await openPage({
      viewport: { width: 360, height: 740 },
      isMobile: true,
      hasTouch: true,
    });
    for (const at of ['/r13y', `/r13y/paths/${paths.openssl}`]) {
      await page.goto(url + at);
      const overflow = await page.evaluate(() => {
        const { document, innerWidth } = globalThis as unknown as BrowserGlobals;
        return document.documentElement.scrollWidth - innerWidth;
      });
      expect(overflow, at).toBeLessThanOrEqual(0);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'r13y-dispute-phone.png'), fullPage: true });
    await close();
  }, 60_000);

  it('serves an Atom feed, parsed by the browser, of exactly the newly disputed paths', async () => {
    const { page, close } = await openPage();
    await page.goto(`${url}/r13y`);
    const feedHref = await page.getAttribute('link[rel=alternate][type="application/atom+xml"]', 'href');
    const read = () =>
      page.evaluate(async (href) => {
        const answer = await fetch(href);
        const { DOMParser } = globalThis as unknown as BrowserGlobals;
        const doc = new DOMParser().parseFromString(await answer.text(), 'application/xml');
        const ATOM = 'http://www.w3.org/2005/Atom';
        const text = (parent: XmlElement, name: string) =>
          parent.getElementsByTagNameNS(ATOM, name)[0]?.textContent;
        const feed = doc.documentElement;
        return {
          type: answer.headers.get('content-type'),
          parseError: doc.getElementsByTagName('parsererror').length,
          root: [feed.namespaceURI, feed.localName],
          id: text(feed, 'id'),
          updated: text(feed, 'updated'),
          entries: Array.from(feed.getElementsByTagNameNS(ATOM, 'entry')).map((entry) => ({
            id: text(entry, 'id'),
            title: text(entry, 'title'),
            updated: text(entry, 'updated'),
            link: entry.getElementsByTagNameNS(ATOM, 'link')[0]?.getAttribute('href'),
          })),
        };
      }, feedHref!);
    const feed = await read();
    expect(feed).toMatchObject({
      type: 'application/atom+xml; charset=utf-8',
      parseError: 0,
      root: ['http://www.w3.org/2005/Atom', 'feed'],
      id: 'urn:tally:r13y:newly-disputed',
    });
    expect(feed.entries.map((e) => e.link).sort()).toEqual(
      [`/r13y/paths/${paths.openssl}`, `/r13y/paths/${paths.rand}`].sort(),
    );
    expect(feed.entries.map((e) => e.title).sort()).toEqual([
      'openssl-3.0.13 is disputed',
      'rand-1.0 is disputed',
    ]);
    for (const entry of feed.entries) expect(Date.parse(entry.updated!)).not.toBeNaN();
    expect(feed.updated).toBe(feed.entries[0]!.updated);
    expect(new Set(feed.entries.map((e) => e.id)).size).toBe(2);
    // Entry ids are stable: the same on the next fetch.
    expect((await read()).entries.map((e) => e.id)).toEqual(feed.entries.map((e) => e.id));
    await close();
  }, 60_000);

  it('serves the same as JSON: the logs by name, and each log pair with its disputes', async () => {
    const ids = Object.fromEntries(builders.map((p) => [p.name, logIdOfPublisher(p)]));
    const named = (...names: string[]) =>
      names.map((name) => ({ logId: ids[name], name })).sort((x, y) => (x.logId! < y.logId! ? -1 : 1));
    const summary = (await (await fetch(`${url}/r13y.json`)).json()) as { logs: unknown };
    expect(summary.logs).toEqual(named('a', 'b', 'c'));
    const pair = async (x: string, y: string) =>
      (await (await fetch(`${url}${pairHref(x, y)}.json`)).json()) as {
        shared: number;
        disagreeing: number;
        logs: unknown;
        disputes: { total: number; items: { name: string }[]; page: number; perPage: number };
      };
    const ac = await pair('a', 'c');
    expect(ac).toMatchObject({ shared: 4, disagreeing: 2, logs: named('a', 'c') });
    expect(ac.disputes).toMatchObject({ total: 2, page: 1, perPage: 50 });
    expect(ac.disputes.items.map((i) => i.name).sort()).toEqual(['openssl-3.0.13', 'rand-1.0']);
    const ab = await pair('a', 'b');
    expect(ab).toMatchObject({ shared: 4, disagreeing: 1, disputes: { total: 1 } });
    expect(ab.disputes.items.map((i) => i.name)).toEqual(['rand-1.0']);
    const path = (await (await fetch(`${url}/r13y/paths/${paths.openssl}.json`)).json()) as { logs: unknown };
    expect(path.logs).toEqual(named('a', 'b', 'c'));
  });

  it('answers hostile requests with a 4xx page, never a 500, and reflects no markup', async () => {
    const get = async (pathAndQuery: string) => {
      const answer = await fetch(url + pathAndQuery);
      return { status: answer.status, type: answer.headers.get('content-type'), text: await answer.text() };
    };
    const evil = '<script>alert(1)</script>';
    const searched = await get(`/r13y?name=${encodeURIComponent(evil)}`);
    expect(searched.status).toBe(200);
    expect(searched.text).not.toContain(evil);
    expect(searched.text).toContain('value="&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(searched.text).toContain('no disputed path whose name contains “&lt;script&gt;');
    expect(await get(`/r13y?name=${encodeURIComponent('"><b>x')}&page=2`)).toMatchObject({ status: 404 });

    const refused: [string, number, RegExp][] = [
      [`/r13y?name=${'<b>'.repeat(100)}`, 400, /name must be one string/],
      ['/r13y?name=a&name=b', 400, /name must be one string/],
      ['/r13y?page=0', 400, /page must be a whole number/],
      ['/r13y?page=-1', 400, /page/],
      ['/r13y?page=1e3', 400, /page/],
      ['/r13y?page=99999999999999999999', 400, /page/],
      ['/r13y?page=2', 404, /./],
      ['/r13y?page=999999999', 404, /./],
      [`/r13y/paths/${encodeURIComponent('<script>')}`, 400, /32 nix32 characters/],
      [`/r13y/paths/${'e'.repeat(32)}`, 400, /32 nix32 characters/], // e is not a nix32 digit
      [`/r13y/paths/${'0'.repeat(31)}`, 400, /32 nix32 characters/],
      [`/r13y/paths/${'0'.repeat(32)}`, 404, /no followed log holds/],
      ['/r13y/paths/%ZZ', 400, /./],
      [`/r13y/pairs/${'a'.repeat(64)}/${'a'.repeat(64)}`, 400, /two different log ids/],
      [`/r13y/pairs/x/${'a'.repeat(64)}`, 400, /log ids/],
      [`/r13y/pairs/${'a'.repeat(64)}/${'b'.repeat(64)}`, 404, /share no path/],
      [`/r13y/pairs/${logIdOfPublisher(builders[0]!)}/${logIdOfPublisher(builders[1]!)}?page=x`, 400, /page/],
      [`/r13y/pairs/${logIdOfPublisher(builders[0]!)}/${logIdOfPublisher(builders[1]!)}?page=3`, 404, /./],
    ];
    for (const [at, status, message] of refused) {
      const answer = await get(at);
      expect({ at, status: answer.status }).toEqual({ at, status });
      expect(answer.text, at).toMatch(message);
      expect(answer.text, at).not.toContain('<script>');
      expect(answer.text, at).not.toContain('<b>');
    }
    // 100 KB of query string: refused before any route runs (431), and the daemon stays up.
    for (const at of [`/r13y?name=${'<'.repeat(100_000)}`, `/r13y?page=${'9'.repeat(100_000)}`]) {
      const answer = await get(at);
      expect(answer.status, at.slice(0, 20)).toBeGreaterThanOrEqual(400);
      expect(answer.status, at.slice(0, 20)).toBeLessThan(500);
    }
    expect((await get('/r13y')).status).toBe(200);
  });
});
