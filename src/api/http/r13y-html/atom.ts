import type { NewlyDisputed } from '../../../store/r13y-index.js';
import { html } from './html.js';
import type { LogNames } from './pages.js';

/** Entries in the feed: the latest paths to become disputed. */
export const FEED_ENTRIES = 100;

/** Feed and entry ids are URNs of the path, not of this node's address, so they survive a move. */
const FEED_ID = 'urn:tally:r13y:newly-disputed';
const entryId = (item: NewlyDisputed) => `urn:tally:r13y:disputed:${item.hashPart}`;
/** An empty feed still needs `updated`: the epoch, so the document stays the same until it changes. */
const NEVER = new Date(0).toISOString();

/**
 * The Atom feed (RFC 4287) of paths that newly disagree, newest first (docs/PROTOCOL.md). Links are
 * relative, resolved against the feed's own URL, since the node cannot know how it is reached.
 */
export function renderAtomFeed(items: NewlyDisputed[], names: LogNames): string {
  const updated = items[0]?.at ?? NEVER;
  return html`<?xml version="1.0" encoding="utf-8"?>
    <feed xmlns="http://www.w3.org/2005/Atom">
      <id>${FEED_ID}</id>
      <title>tally: newly disputed store paths</title>
      <updated>${updated}</updated>
      <author><name>tally</name></author>
      <link rel="self" type="application/atom+xml" href="/r13y/feed.atom" />
      <link rel="alternate" type="text/html" href="/r13y" />
      ${items.map((item) => {
        const log = names.get(item.logId) ?? item.logId;
        return html`<entry>
          <id>${entryId(item)}</id>
          <title>${item.name} is disputed</title>
          <updated>${item.at}</updated>
          <link rel="alternate" type="text/html" href="/r13y/paths/${item.hashPart}" />
          <summary>
            ${`/nix/store/${item.hashPart}-${item.name}: logs disagree since ${log} logged it (checkpoint of size ${item.firstCheckpointSize}).`}
          </summary>
        </entry> `;
      })}</feed
    > `.text;
}
