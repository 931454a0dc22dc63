import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderAtomFeed } from '../../src/api/http/r13y-html/atom.js';
import { escapeText, html } from '../../src/api/http/r13y-html/html.js';
import { renderPairPage, renderPathPage, renderSummaryPage } from '../../src/api/http/r13y-html/pages.js';
import { parseConfig } from '../../src/config/parse.js';
import { ConfigError } from '../../src/config/issues.js';
import { encodeNixValue, hashPartOfKey } from '../../src/nix/index.js';
import { groupsOf, summarize, emptyTally, applyChange, withObservation } from '../../src/r13y/index.js';
import { R13yIndex } from '../../src/store/r13y-index.js';
import { tempDir } from '../helpers/tmp.js';
import { KEY_A } from '../config/fixtures.js';

/*
 * Hostile text at the render level. Config and the index refuse HTML in log names and store-path
 * names before it reaches a page (tested below too); the renderer escapes it anyway.
 */
const EVIL = `<script>alert(1)</script><img src=x onerror="alert(2)">'&`;
const EVIL_ESCAPED =
  '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=&quot;alert(2)&quot;&gt;&#39;&amp;';
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const HASH = '0'.repeat(32);

const observation = (logId: string, digest: string) => ({
  logId,
  index: 3,
  valueDigest: digest,
  narHash: `sha256:${EVIL}`,
  narSize: 1,
  firstCheckpointSize: 4,
});

function evilReport() {
  let report = withObservation(undefined, HASH, EVIL, observation(A, '1'));
  report = withObservation(report, HASH, EVIL, observation(B, '2'));
  return report;
}

const names = new Map([
  [A, EVIL],
  [B, `"><b>b</b>`],
]);

/** No tag or attribute from the data made it through: only its escaped form. */
function expectEscaped(out: string): void {
  expect(out).not.toContain('<script>alert');
  expect(out).not.toContain('<img');
  expect(out).not.toContain('<b>b</b>');
  expect(out).not.toMatch(/onerror="/);
  expect(out).toContain(EVIL_ESCAPED);
}

describe('r13y pages escape what they show', () => {
  it('the tagged template escapes values, not its own markup, and nests', () => {
    expect(escapeText(`<a href="x">'&`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;');
    const inner = html`<i>${'<b>'}</i>`;
    expect(html`<p>${inner}${[1, '<', null, false, undefined]}</p>`.text).toBe(
      '<p><i>&lt;b&gt;</i>1&lt;</p>',
    );
  });

  it('store-path names, NarHashes and log names are escaped on every page and in the feed', () => {
    const report = evilReport();
    const tally = emptyTally();
    applyChange(tally, undefined, report);
    const summary = summarize(tally);
    summary.byPackage[0]!.name = EVIL; // a package name is the store-path name cut short
    const listing = {
      found: { total: 1, items: [{ hashPart: HASH, name: EVIL }] },
      page: 1,
      perPage: 50,
      name: EVIL,
    };
    expectEscaped(renderSummaryPage(summary, listing, names));
    expectEscaped(renderPathPage(report, groupsOf(report), true, names));
    expectEscaped(renderPairPage(summary.byLogPair[0]!, listing, names));
    const feed = renderAtomFeed(
      [
        {
          seq: 0,
          hashPart: HASH,
          name: EVIL,
          logId: A,
          firstCheckpointSize: 4,
          at: '2026-12-04T00:00:00.000Z',
        },
      ],
      names,
    );
    expectEscaped(feed);
  });

  it('config refuses a log name with markup before it could reach a page', () => {
    const toml = `[[follow]]\nname = "<b>x</b>"\npublic_key = "${KEY_A}"\naddress = "10.0.0.5:9002"\n`;
    expect(() => parseConfig(toml)).toThrow(ConfigError);
    expect(() => parseConfig(toml)).toThrow(/follow\[0\]\.name/);
  });

  it('the index leaves out an entry whose store-path name is not a Nix name', async () => {
    const index = await R13yIndex.open(tempDir('r13y-evil-'));
    const key = crypto.randomBytes(20);
    const value = Buffer.from(
      encodeNixValue({
        storePath: `/nix/store/${hashPartOfKey(key)}-ok`,
        narHash: `sha256:${'1'.repeat(52)}`,
        narSize: 1,
        references: [],
      })
        .toString('utf8')
        .replace(`${hashPartOfKey(key)}-ok`, `${hashPartOfKey(key)}-<b>x`),
    );
    expect(value.toString('utf8')).toContain('-<b>x');
    const record = {
      index: 0,
      key,
      valueDigest: crypto.createHash('sha256').update(value).digest(),
      firstCheckpointSize: 1,
    };
    expect(
      await index.feed(
        'alpha',
        (async function* () {
          yield record;
        })(),
        { values: async () => [value] },
      ),
    ).toBe(1);
    expect(index.summary().paths).toBe(0);
    expect(await index.path(hashPartOfKey(key))).toBeUndefined();
    await index.close();
  });
});
