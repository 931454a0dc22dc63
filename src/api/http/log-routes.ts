import zlib from 'node:zlib';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { MAX_KEY_BYTES, MIN_KEY_BYTES } from '../../entry/entry.js';
import { MAX_LOOKUP_KEYS_PER_CALL } from '../limits.js';
import type { PublishedLog, PublishedLogs } from '../../publisher/published-log.js';
import {
  cacheControlOf,
  checkpointBytes,
  readLogResource,
  type ServedStore,
} from '../../publisher/log-resources.js';
import { parseLogResourcePath } from '../../tiles/index.js';
import { lookupJsonOf } from '../lookup-json.js';

const LOOKUP_PATH = 'tally/lookup';

/**
 * The public, read-only tlog-tiles read path of every log this node publishes (C2SP tlog-tiles,
 * docs/PROTOCOL.md "The log as tiles"), plus the lookup endpoint. GET only; fastify answers HEAD
 * like GET. Paths are parsed strictly, so no request can name anything outside a log.
 */
export function registerLogRoutes(
  app: FastifyInstance,
  logs: PublishedLogs,
  mirrors: (logId: string) => ServedStore | undefined = () => undefined,
): void {
  app.get<{ Params: { logId: string; '*': string } }>('/logs/:logId/*', async (request, reply) => {
    const log = findLog(logs, request.params.logId);
    // A log this node mirrors is served as its origin serves it (without the lookup endpoint).
    const mirror =
      log === undefined && ID.test(request.params.logId) ? mirrors(request.params.logId) : undefined;
    const store = log?.store ?? mirror;
    if (store === undefined) return notFound(reply, `no log ${request.params.logId.slice(0, 80)} here`);
    const path = request.params['*'];
    if (path === LOOKUP_PATH && log !== undefined) return lookup(log, request.query, reply);
    const resource = parseLogResourcePath(path);
    if (resource === undefined) {
      return reply
        .code(400)
        .type('text/plain; charset=utf-8')
        .send(`not a tlog-tiles resource: ${path.slice(0, 200)}\n`);
    }
    // A published log's checkpoint carries the witnesses' cosignatures of it.
    const bytes =
      log !== undefined && resource.kind === 'checkpoint'
        ? checkpointBytes(log.cosignatures.withCosignatures(log.store.getHead().note))
        : await readLogResource(store, resource);
    if (bytes === undefined) return notFound(reply, `${path}: the log has no such resource`);
    reply.type(bytes.contentType).header('cache-control', cacheControlOf(bytes));
    if (bytes.compressible) {
      reply.header('vary', 'accept-encoding');
      if (/\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''))) {
        return reply.header('content-encoding', 'gzip').send(zlib.gzipSync(bytes.body, { level: 6 }));
      }
    }
    return reply.send(bytes.body);
  });
  app.setNotFoundHandler((request, reply) => notFound(reply, `no resource at ${request.url.slice(0, 200)}`));
}

const ID = /^[0-9a-f]{64}$/;

function findLog(logs: PublishedLogs, logId: string): PublishedLog | undefined {
  if (!ID.test(logId)) return undefined;
  return logs.logs.find((l) => l.id === logId);
}

function notFound(reply: FastifyReply, message: string) {
  return reply.code(404).type('text/plain; charset=utf-8').send(`${message}\n`);
}

async function lookup(log: PublishedLog, query: unknown, reply: FastifyReply) {
  const raw = (query as { key?: string | string[] }).key;
  const hexKeys = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const bad = (message: string) =>
    reply.code(400).type('text/plain; charset=utf-8').send(`lookup: ${message}\n`);
  if (hexKeys.length < 1 || hexKeys.length > MAX_LOOKUP_KEYS_PER_CALL) {
    return bad(`give 1..${MAX_LOOKUP_KEYS_PER_CALL} key= parameters, got ${hexKeys.length}`);
  }
  const keys: Buffer[] = [];
  for (const hex of hexKeys) {
    if (!/^([0-9a-f]{2})+$/.test(hex) || hex.length / 2 < MIN_KEY_BYTES || hex.length / 2 > MAX_KEY_BYTES) {
      return bad(
        `key ${JSON.stringify(hex.slice(0, 80))} is not ${MIN_KEY_BYTES}..${MAX_KEY_BYTES} bytes of lowercase hex`,
      );
    }
    keys.push(Buffer.from(hex, 'hex'));
  }
  const results = await log.store.lookupMany(keys);
  const note = log.cosignatures.withCosignatures(results[0]!.head.note);
  return reply.type('application/json').header('cache-control', 'no-store').send(lookupJsonOf(results, note));
}
