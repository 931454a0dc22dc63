import type { FastifyInstance, FastifyReply } from 'fastify';
import { formatPublicKey } from '../../crypto/ed25519-keys.js';
import { keyFromHashPart } from '../../nix/index.js';
import { groupsOf, isDisputed } from '../../r13y/index.js';
import type { LogEvidence, R13yEvidence } from '../../verify/r13y-evidence.js';
import {
  checkHashPart,
  checkLogIds,
  DISPUTES_PER_PAGE,
  logsNamed,
  parseListQuery,
  type R13yReport,
} from './r13y-query.js';

/**
 * The reproducibility report as JSON (docs/PROTOCOL.md "Reproducibility report"), read from the
 * index the follower keeps up to date: no request recomputes anything. The HTML pages
 * (r13y-page-routes.ts) show the same.
 */
export function registerR13yRoutes(app: FastifyInstance, report: R13yReport): void {
  const { index, logNames, mirrors } = report;
  app.get('/r13y.json', async (_request, reply) =>
    json(reply, { ...index.summary(), logs: logsNamed(logNames, logNames.keys()) }),
  );

  app.get<{ Querystring: { name?: unknown; page?: unknown } }>(
    '/r13y/disputes.json',
    async (request, reply) => {
      const query = parseListQuery(request.query);
      if ('error' in query) return bad(reply, query.error);
      const { name, page } = query.ok;
      const found = await index.disputes({
        name: name === '' ? undefined : name,
        offset: (page - 1) * DISPUTES_PER_PAGE,
        limit: DISPUTES_PER_PAGE,
      });
      return json(reply, { ...found, page, perPage: DISPUTES_PER_PAGE });
    },
  );

  /** The index's record of a path, or the 400/404 answer already sent. */
  const pathOrRefusal = async (hashPart: string, reply: FastifyReply) => {
    const wrong = checkHashPart(hashPart);
    if (wrong !== undefined) return { refused: bad(reply, wrong) };
    const path = await index.path(hashPart);
    if (path === undefined) {
      return {
        refused: reply
          .code(404)
          .type('text/plain; charset=utf-8')
          .send(`no followed log holds ${hashPart}\n`),
      };
    }
    return { path };
  };

  app.get<{ Params: { hashPart: string } }>('/r13y/paths/:hashPart.json', async (request, reply) => {
    const { hashPart } = request.params;
    const found = await pathOrRefusal(hashPart, reply);
    if (found.path === undefined) return found.refused;
    const { path } = found;
    return json(reply, {
      ...path,
      disputed: isDisputed(path),
      groups: groupsOf(path),
      logs: logsNamed(
        logNames,
        path.observations.map((o) => o.logId),
      ),
    });
  });

  // Proofs from the mirrors' stored tiles, against each mirror's current signed head: the CLI
  // (`tally r13y show`) verifies them, trusting nothing here.
  app.get<{ Params: { hashPart: string } }>('/r13y/paths/:hashPart/evidence.json', async (request, reply) => {
    const { hashPart } = request.params;
    const found = await pathOrRefusal(hashPart, reply);
    if (found.path === undefined) return found.refused;
    const { path } = found;
    const key = keyFromHashPart(hashPart);
    const logs: LogEvidence[] = [];
    for (const { logId } of path.observations) {
      const source = mirrors(logId);
      const head = source?.store.head;
      // Read synchronously in one turn, so the head, the entry and the proof belong together.
      const found = source?.store.lookup(key);
      if (source === undefined || head === undefined || found === undefined || found.value === undefined)
        continue;
      logs.push({
        logId,
        publicKey: formatPublicKey(source.publicKey),
        checkpoint: head.note,
        index: found.index,
        key: key.toString('hex'),
        valueDigest: found.digest.toString('hex'),
        inclusionProof: source.store
          .inclusionProof(found.index, head.checkpoint.size)
          .map((h) => h.toString('hex')),
        value: found.value.toString('base64'),
      });
    }
    const evidence: R13yEvidence = { hashPart, name: path.name, logs };
    return json(reply, evidence);
  });

  app.get<{ Params: { a: string; b: string }; Querystring: { page?: unknown } }>(
    '/r13y/pairs/:a/:b.json',
    async (request, reply) => {
      const { a, b } = request.params;
      const wrong = checkLogIds(a, b);
      if (wrong !== undefined) return bad(reply, wrong);
      const query = parseListQuery({ page: request.query.page });
      if ('error' in query) return bad(reply, query.error);
      const pair = index.summary().byLogPair.find((p) => p.logs.includes(a) && p.logs.includes(b));
      if (pair === undefined) {
        return reply.code(404).type('text/plain; charset=utf-8').send(`logs ${a} and ${b} share no path\n`);
      }
      const { page } = query.ok;
      const found = await index.pairDisputes(a, b, {
        offset: (page - 1) * DISPUTES_PER_PAGE,
        limit: DISPUTES_PER_PAGE,
      });
      return json(reply, {
        ...pair,
        logs: logsNamed(logNames, pair.logs),
        disputes: { ...found, page, perPage: DISPUTES_PER_PAGE },
      });
    },
  );
}

function json(reply: FastifyReply, body: unknown) {
  return reply.type('application/json').header('cache-control', 'no-store').send(JSON.stringify(body));
}

function bad(reply: FastifyReply, message: string) {
  return reply.code(400).type('text/plain; charset=utf-8').send(`${message}\n`);
}
