import type { FastifyInstance, FastifyReply } from 'fastify';
import { formatPublicKey, type PublicKey } from '../../crypto/ed25519-keys.js';
import { keyFromHashPart } from '../../nix/index.js';
import { groupsOf, isDisputed } from '../../r13y/index.js';
import type { MirrorStore } from '../../store/mirror-store.js';
import type { R13yIndex } from '../../store/r13y-index.js';
import type { LogEvidence, R13yEvidence } from '../../verify/r13y-evidence.js';

/** Disputed paths per page of `/r13y/disputes.json`. */
const DISPUTES_PER_PAGE = 50;
/** Longest `name` filter looked at; a longer one is refused, not truncated silently. */
const MAX_NAME_FILTER_CHARS = 211;
const HASH_PART = /^[0123456789abcdfghijklmnpqrsvwxyz]{32}$/;

/** A mirrored log as the evidence route reads it: its copy and the key it is verified against. */
export interface EvidenceSource {
  store: Pick<MirrorStore, 'head' | 'lookup' | 'inclusionProof'>;
  publicKey: PublicKey;
}

/**
 * The reproducibility report as JSON (docs/PROTOCOL.md "Reproducibility report"), read from the
 * index the follower keeps up to date: no request recomputes anything.
 */
export function registerR13yRoutes(
  app: FastifyInstance,
  index: R13yIndex,
  mirrors: (logId: string) => EvidenceSource | undefined = () => undefined,
): void {
  app.get('/r13y.json', async (_request, reply) => json(reply, index.summary()));

  app.get<{ Querystring: { name?: unknown; page?: unknown } }>(
    '/r13y/disputes.json',
    async (request, reply) => {
      const { name, page } = request.query;
      if (name !== undefined && (typeof name !== 'string' || name.length > MAX_NAME_FILTER_CHARS)) {
        return bad(reply, `name must be one string of at most ${MAX_NAME_FILTER_CHARS} characters`);
      }
      const pageNumber =
        page === undefined
          ? 1
          : typeof page === 'string' && /^[1-9][0-9]{0,8}$/.test(page)
            ? Number(page)
            : 0;
      if (pageNumber === 0) return bad(reply, 'page must be a whole number from 1');
      const found = await index.disputes({
        name: name === '' ? undefined : name,
        offset: (pageNumber - 1) * DISPUTES_PER_PAGE,
        limit: DISPUTES_PER_PAGE,
      });
      return json(reply, { ...found, page: pageNumber, perPage: DISPUTES_PER_PAGE });
    },
  );

  app.get<{ Params: { hashPart: string } }>('/r13y/paths/:hashPart.json', async (request, reply) => {
    const { hashPart } = request.params;
    if (!HASH_PART.test(hashPart))
      return bad(reply, 'a path is named by the 32 nix32 characters of its hash part');
    const report = await index.path(hashPart);
    if (report === undefined) {
      return reply.code(404).type('text/plain; charset=utf-8').send(`no followed log holds ${hashPart}\n`);
    }
    return json(reply, { ...report, disputed: isDisputed(report), groups: groupsOf(report) });
  });

  // Proofs from the mirrors' stored tiles, against each mirror's current signed head: the CLI
  // (`tally r13y show`) verifies them, trusting nothing here.
  app.get<{ Params: { hashPart: string } }>('/r13y/paths/:hashPart/evidence.json', async (request, reply) => {
    const { hashPart } = request.params;
    if (!HASH_PART.test(hashPart))
      return bad(reply, 'a path is named by the 32 nix32 characters of its hash part');
    const report = await index.path(hashPart);
    if (report === undefined) {
      return reply.code(404).type('text/plain; charset=utf-8').send(`no followed log holds ${hashPart}\n`);
    }
    const key = keyFromHashPart(hashPart);
    const logs: LogEvidence[] = [];
    for (const { logId } of report.observations) {
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
    const evidence: R13yEvidence = { hashPart, name: report.name, logs };
    return json(reply, evidence);
  });
}

function json(reply: FastifyReply, body: unknown) {
  return reply.type('application/json').header('cache-control', 'no-store').send(JSON.stringify(body));
}

function bad(reply: FastifyReply, message: string) {
  return reply.code(400).type('text/plain; charset=utf-8').send(`${message}\n`);
}
