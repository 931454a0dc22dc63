import http2 from 'node:http2';

/** One gRPC message frame: the compressed flag, the 4-byte length, the payload. */
export function grpcFrame(payload: Buffer, compressed = false): Buffer {
  const header = Buffer.alloc(5);
  header[0] = compressed ? 1 : 0;
  header.writeUInt32BE(payload.length, 1);
  return Buffer.concat([header, payload]);
}

/**
 * A unary gRPC request written by hand on an HTTP/2 session, so headers and bytes no gRPC client
 * would send (garbage compression, a malformed grpc-timeout) reach the server. Resolves with the
 * grpc-status (undefined when the stream was reset without one) and grpc-message.
 */
export function rawGrpcRequest(
  session: http2.ClientHttp2Session,
  method: string,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number | undefined; message: string }> {
  return new Promise((resolve) => {
    const stream = session.request({
      ':method': 'POST',
      ':path': method,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...headers,
    });
    let fields: http2.IncomingHttpHeaders = {};
    stream.on('response', (h) => {
      if (h['grpc-status'] !== undefined) fields = h;
    });
    stream.on('trailers', (t) => (fields = t));
    stream.on('data', () => undefined);
    stream.on('error', () => undefined);
    stream.on('close', () => {
      const code = fields['grpc-status'];
      resolve({
        status: code === undefined ? undefined : Number(code),
        message: decodeURIComponent(String(fields['grpc-message'] ?? '')),
      });
    });
    stream.end(body);
  });
}
