import { html, type Html } from './html.js';

/** Where the page's own assets and feed are served (r13y-page-routes.ts): all from this node. */
export const ASSET_PATHS = {
  style: '/r13y/style.css',
  script: '/r13y/search.js',
  icon: '/r13y/icon.svg',
  feed: '/r13y/feed.atom',
};

/** The page shell: phone-sized viewport, the node's own stylesheet, the feed as an alternate. */
export function layout(title: string, body: Html, options: { json?: string; script?: boolean } = {}): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title} · tally reproducibility report</title>
        <link rel="stylesheet" href="${ASSET_PATHS.style}" />
        <link rel="icon" type="image/svg+xml" href="${ASSET_PATHS.icon}" />
        <link
          rel="alternate"
          type="application/atom+xml"
          title="Newly disputed store paths"
          href="${ASSET_PATHS.feed}"
        />
        ${options.json !== undefined && html`<link rel="alternate" type="application/json" href="${options.json}" />`}
        ${options.script === true && html`<script src="${ASSET_PATHS.script}" defer></script>`}
      </head>
      <body>
        <header><a href="/r13y">Reproducibility report</a></header>
        <main>${body}</main>
        <footer>
          <a href="${ASSET_PATHS.feed}">Atom feed of newly disputed paths</a>
          ${options.json !== undefined && html` · <a href="${options.json}">this page as JSON</a>`}
        </footer>
      </body>
    </html> `.text;
}
