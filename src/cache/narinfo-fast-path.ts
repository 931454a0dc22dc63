import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import type { ObserveRequest } from '../metrics/index.js';
import type { CacheContext } from './context.js';
import { decidedValue, type DecidedValue } from './decided-output.js';

/** The narinfo route's pattern, as fastify and the request metrics name it. */
export const NARINFO_ROUTE = '/:file';
export const NARINFO_CONTENT_TYPE = 'text/x-nix-narinfo';

/** `/<hash part>.narinfo` and nothing else (no query, no escapes): the only URLs taken here. */
const PLAIN_NARINFO_URL = /^\/([0-9a-z]{32})\.narinfo$/;

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/**
 * Answers GET and HEAD of a narinfo already served for the standing decision straight on node's
 * HTTP server, before fastify: Nix asks for the same narinfos again and again, and fastify's
 * per-request work (request and reply objects, child logger, routing, hooks, reply pipeline) cost
 * more CPU than the rest of such a request (BENCHMARKS.md, "Cache proxy vs nginx").
 *
 * The answer is the narinfo route's, byte for byte: the same decision (`decidedValue`), the same
 * `ServedNarinfos.get` rule for reusing a body, the same headers (HEAD: node sends them without
 * the body). Everything else goes on to fastify: other URLs, paths with no served narinfo yet (so
 * refusals and first requests take the route as before), and the app closing (fastify answers
 * 503). When a decision was made here but its narinfo cannot be reused (the decision changed),
 * fastify gets that decision with the request (`takeDecided`), so it is not made twice.
 */
export class NarinfoFastPath {
  private readonly decidedFor = new WeakMap<IncomingMessage, DecidedValue>();
  private closing = false;

  constructor(
    private readonly ctx: CacheContext,
    private readonly logger: FastifyBaseLogger,
    /** Told of every request answered here, which fastify (and its hooks) never sees. */
    private readonly answered: ObserveRequest | undefined,
  ) {}

  /** Serves `request` or passes it to `next` (fastify's handler). */
  handle(request: IncomingMessage, response: ServerResponse, next: Handler): void {
    const method = request.method;
    const hashPart = PLAIN_NARINFO_URL.exec(request.url ?? '')?.[1];
    if (
      (method !== 'GET' && method !== 'HEAD') ||
      hashPart === undefined ||
      this.closing ||
      !this.ctx.narinfos.holds(hashPart)
    ) {
      next(request, response);
      return;
    }
    const start = performance.now();
    decidedValue(this.ctx, hashPart)
      .then((decided) => {
        const body = decided.ok
          ? this.ctx.narinfos.get(hashPart, decided.value, decided.upstreams)
          : undefined;
        if (body === undefined || this.closing) {
          this.decidedFor.set(request, decided);
          next(request, response);
          return;
        }
        response.writeHead(200, { 'content-type': NARINFO_CONTENT_TYPE, 'content-length': body.length });
        response.end(body);
        this.answered?.(method, NARINFO_ROUTE, 200, (performance.now() - start) / 1000);
      })
      .catch((err: unknown) => {
        this.logger.error({ err }, 'cache request failed');
        response.destroy();
      });
  }

  /** The decision made for `request` before it was passed on, if any (once). */
  takeDecided(request: IncomingMessage): DecidedValue | undefined {
    const decided = this.decidedFor.get(request);
    this.decidedFor.delete(request);
    return decided;
  }

  /** From now on every request goes to fastify, which answers 503 while closing. */
  close(): void {
    this.closing = true;
  }
}
