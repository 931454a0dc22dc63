import type { FastifyInstance } from 'fastify';
import type { Witness } from '../../witness-server/witness.js';

/**
 * The largest add-checkpoint body: the old line, 63 proof lines (45 bytes each) and a checkpoint
 * with up to 100 signature lines, room to spare for post-quantum ones. Larger bodies get 413.
 */
export const MAX_ADD_CHECKPOINT_BYTES = 128 * 1024;

/**
 * `POST <prefix>/add-checkpoint` (C2SP tlog-witness) on the public HTTP listener. The body is read
 * as bytes whatever its Content-Type says; the witness answers every status the spec names.
 */
export function registerWitnessRoutes(app: FastifyInstance, witness: Witness, prefix: string): void {
  void app.register((scope, _options, done) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: MAX_ADD_CHECKPOINT_BYTES },
      (_req, body, parsed) => parsed(null, body),
    );
    scope.post(
      `${prefix}/add-checkpoint`,
      { bodyLimit: MAX_ADD_CHECKPOINT_BYTES },
      async (request, reply) => {
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const answer = await witness.addCheckpoint(body);
        return reply
          .code(answer.status)
          .type(answer.contentType)
          .header('cache-control', 'no-store')
          .send(answer.body);
      },
    );
    done();
  });
}
