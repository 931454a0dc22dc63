import type {
  handleUnaryCall,
  ServiceDefinition,
  ServerUnaryCall,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { InvalidArgumentError, TallyError } from '../../errors.js';
import { toGrpcError } from '../status.js';

/** A request that did not decode; carried to the handler so it can answer INVALID_ARGUMENT. */
class UndecodableRequest {
  constructor(readonly reason: string) {}
}

/**
 * grpc-js answers a request that fails to deserialize with INTERNAL, which blames the server for a
 * client's bad bytes. Wrapping the deserializer lets the handler answer INVALID_ARGUMENT instead.
 */
export function withLenientDecoding<S extends ServiceDefinition>(service: S): S {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(service)) {
    wrapped[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return method.requestDeserialize(bytes);
        } catch (err) {
          return new UndecodableRequest((err as Error).message);
        }
      },
    };
  }
  return wrapped as S;
}

export type Guard = (call: ServerUnaryCall<unknown, unknown>) => void;

/**
 * Adapts an async handler to grpc-js: rejects undecodable requests, runs guards (authentication),
 * and maps errors to statuses. Unexpected errors are logged and answered with a bare INTERNAL.
 */
export function unary<Req, Res>(
  rpc: string,
  logger: Logger,
  handler: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res> | Res,
  guards: Guard[] = [],
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const run = async (): Promise<Res> => {
      for (const guard of guards) guard(call as ServerUnaryCall<unknown, unknown>);
      const request = call.request as unknown;
      if (request instanceof UndecodableRequest) {
        throw new InvalidArgumentError(`${rpc}: request is not a valid message: ${request.reason}`);
      }
      return handler(call.request, call);
    };
    run().then(
      (response) => callback(null, response),
      (err: unknown) => {
        if (!(err instanceof TallyError)) logger.error({ err, rpc }, 'unexpected error in handler');
        else logger.debug({ rpc, code: err.code, message: err.message }, 'request refused');
        callback(toGrpcError(err));
      },
    );
  };
}

export type Implementation<T> = T & UntypedServiceImplementation;
