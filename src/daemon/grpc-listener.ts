import fs from 'node:fs';
import type { Logger } from 'pino';
import {
  Server,
  ServerCredentials,
  setLogger,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { TallyError } from '../errors.js';
import { GRPC_LEAN_OPTIONS } from '../api/limits.js';
import { clientFaultStatuses } from '../api/server/client-fault-statuses.js';
import { withLenientDecoding } from '../api/server/unary.js';

export interface ServiceBinding {
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

/**
 * grpc-js writes its own lines to stderr (`E No address added ...`); in the daemon they go to its
 * log instead, as warnings: what fails is reported by our own code, with what to do about it.
 */
export function routeGrpcLogsTo(logger: Logger): void {
  const grpcLogger = logger.child({ component: 'grpc' });
  const line = (message: unknown, rest: unknown[]) => [message, ...rest].map(String).join(' ');
  setLogger({
    error: (message?: unknown, ...rest: unknown[]) => grpcLogger.warn(line(message, rest)),
    info: (message?: unknown, ...rest: unknown[]) => grpcLogger.info(line(message, rest)),
    debug: (message?: unknown, ...rest: unknown[]) => grpcLogger.debug(line(message, rest)),
  });
}

/** A started grpc-js server on one address; `address` is what it really bound (port 0 resolved). */
export interface GrpcListener {
  address: string;
  shutdown(): Promise<void>;
}

/** Largest message a listener sends, and largest request it takes (grpc-js buffers each whole). */
export interface MessageLimits {
  sendBytes: number;
  receiveBytes: number;
}

export async function startGrpcListener(
  target: { host: string; port: number } | { socketPath: string },
  services: ServiceBinding[],
  limits: MessageLimits,
): Promise<GrpcListener> {
  const server = new Server({
    'grpc.max_receive_message_length': limits.receiveBytes,
    'grpc.max_send_message_length': limits.sendBytes,
    ...GRPC_LEAN_OPTIONS,
    interceptors: [clientFaultStatuses],
  });
  for (const { definition, implementation } of services) {
    server.addService(withLenientDecoding(definition), implementation);
  }
  let bindTarget: string;
  if ('socketPath' in target) {
    // We hold the state lock, so a socket file left here is a dead daemon's.
    fs.rmSync(target.socketPath, { force: true });
    bindTarget = `unix://${target.socketPath}`;
  } else {
    bindTarget = `${target.host.includes(':') ? `[${target.host}]` : target.host}:${target.port}`;
  }
  // Create the socket unreadable by others from its first moment: the umask applies at bind().
  const previousUmask = 'socketPath' in target ? process.umask(0o177) : undefined;
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(bindTarget, ServerCredentials.createInsecure(), (err, boundPort) =>
        err ? reject(err) : resolve(boundPort),
      ),
    );
  } catch (err) {
    throw new TallyError('UNAVAILABLE', `cannot listen on ${bindTarget}: ${(err as Error).message}`);
  } finally {
    if (previousUmask !== undefined) process.umask(previousUmask);
  }
  if ('socketPath' in target) fs.chmodSync(target.socketPath, 0o600);
  const address = 'socketPath' in target ? bindTarget : bindTarget.replace(/:\d+$/, `:${port}`);
  return {
    address,
    shutdown: () =>
      new Promise<void>((resolve) => {
        // Finish in-flight calls, but do not wait forever for idle clients.
        const force = setTimeout(() => server.forceShutdown(), 5000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
