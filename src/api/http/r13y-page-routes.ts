import type { FastifyInstance, FastifyReply } from 'fastify';
import { groupsOf, isDisputed } from '../../r13y/index.js';
import { ICON_SVG, SEARCH_JS, STYLE_CSS } from './r13y-html/assets.js';
import { FEED_ENTRIES, renderAtomFeed } from './r13y-html/atom.js';
import { ASSET_PATHS } from './r13y-html/layout.js';
import { renderErrorPage, renderPairPage, renderPathPage, renderSummaryPage } from './r13y-html/pages.js';
import {
  checkHashPart,
  checkLogIds,
  DISPUTES_PER_PAGE,
  parseListQuery,
  type R13yReport,
} from './r13y-query.js';

/** Only the node's own script, styles and JSON: data in a page can never run or load anything. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
  "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/**
 * The reproducibility report as HTML pages and an Atom feed, rendered by r13y-html/ from the same
 * index reads as the JSON routes (r13y-routes.ts).
 */
export function registerR13yPageRoutes(app: FastifyInstance, report: R13yReport): void {
  const { index, logNames } = report;

  app.get<{ Querystring: { name?: unknown; page?: unknown } }>('/r13y', async (request, reply) => {
    const query = parseListQuery(request.query);
    if ('error' in query) return page(reply, 400, renderErrorPage(400, query.error));
    const { name, page: pageNumber } = query.ok;
    const found = await index.disputes({
      name: name === '' ? undefined : name,
      offset: (pageNumber - 1) * DISPUTES_PER_PAGE,
      limit: DISPUTES_PER_PAGE,
    });
    const listing = { found, page: pageNumber, perPage: DISPUTES_PER_PAGE, name };
    const html = renderSummaryPage(index.summary(), listing, logNames);
    return page(reply, pastTheEnd(listing) ? 404 : 200, html);
  });

  app.get<{ Params: { hashPart: string } }>('/r13y/paths/:hashPart', async (request, reply) => {
    const { hashPart } = request.params;
    const wrong = checkHashPart(hashPart);
    if (wrong !== undefined) return page(reply, 400, renderErrorPage(400, wrong));
    const path = await index.path(hashPart);
    if (path === undefined) {
      return page(reply, 404, renderErrorPage(404, `no followed log holds ${hashPart}`));
    }
    return page(reply, 200, renderPathPage(path, groupsOf(path), isDisputed(path), logNames));
  });

  app.get<{ Params: { a: string; b: string }; Querystring: { page?: unknown } }>(
    '/r13y/pairs/:a/:b',
    async (request, reply) => {
      const { a, b } = request.params;
      const wrong = checkLogIds(a, b);
      if (wrong !== undefined) return page(reply, 400, renderErrorPage(400, wrong));
      const query = parseListQuery({ page: request.query.page });
      if ('error' in query) return page(reply, 400, renderErrorPage(400, query.error));
      const pair = index.summary().byLogPair.find((p) => p.logs.includes(a) && p.logs.includes(b));
      if (pair === undefined) return page(reply, 404, renderErrorPage(404, 'these two logs share no path'));
      const pageNumber = query.ok.page;
      const found = await index.pairDisputes(a, b, {
        offset: (pageNumber - 1) * DISPUTES_PER_PAGE,
        limit: DISPUTES_PER_PAGE,
      });
      const listing = { found, page: pageNumber, perPage: DISPUTES_PER_PAGE, name: '' };
      return page(reply, pastTheEnd(listing) ? 404 : 200, renderPairPage(pair, listing, logNames));
    },
  );

  app.get('/r13y/feed.atom', async (_request, reply) =>
    reply
      .type('application/atom+xml; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(renderAtomFeed(await index.newlyDisputed(FEED_ENTRIES), logNames)),
  );

  app.get(ASSET_PATHS.style, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'max-age=300').send(STYLE_CSS),
  );
  app.get(ASSET_PATHS.icon, async (_request, reply) =>
    reply.type('image/svg+xml').header('cache-control', 'max-age=300').send(ICON_SVG),
  );
  app.get(ASSET_PATHS.script, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'max-age=300').send(SEARCH_JS),
  );
}

/** A page number past the last page is a page that does not exist; page 1 always exists. */
function pastTheEnd(listing: { found: { items: unknown[] }; page: number }): boolean {
  return listing.page > 1 && listing.found.items.length === 0;
}

function page(reply: FastifyReply, status: number, html: string) {
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .send(html);
}
