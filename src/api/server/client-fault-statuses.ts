import { status, type ServerInterceptingCallInterface, type ServerInterceptor } from '@grpc/grpc-js';

type PartialStatusObject = Parameters<ServerInterceptingCallInterface['sendStatus']>[0];

/*
 * grpc-js itself answers some malformed requests with INTERNAL, which tells the caller the server
 * is broken when the caller's bytes are: a compressed message that does not decompress (garbage
 * gzip or deflate) and a grpc-timeout header that does not parse. Both are refused before any
 * tally handler runs, from grpc-js's innermost call object, whose sendStatus is called directly,
 * so a status-rewriting interceptor (withSendStatus) never sees them. This interceptor therefore
 * wraps that call's sendStatus and answers INVALID_ARGUMENT instead. It matches grpc-js's own
 * messages; test/daemon/hostile-requests.test.ts pins them, so a grpc-js upgrade that changes
 * them fails there.
 */
const CLIENT_FAULTS: readonly RegExp[] = [/^Failed to decompress message$/, /^Invalid grpc-timeout value /];

const isClientFault = (s: PartialStatusObject): boolean =>
  s.code === status.INTERNAL && CLIENT_FAULTS.some((fault) => fault.test(s.details ?? ''));

/** Must be the first interceptor: it is handed grpc-js's innermost call. */
export const clientFaultStatuses: ServerInterceptor = (_method, call: ServerInterceptingCallInterface) => {
  const send = call.sendStatus.bind(call);
  call.sendStatus = (s: PartialStatusObject) =>
    send(
      isClientFault(s)
        ? { ...s, code: status.INVALID_ARGUMENT, details: `request refused: ${s.details ?? ''}` }
        : s,
    );
  return call as ReturnType<ServerInterceptor>;
};
