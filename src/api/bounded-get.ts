import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import zlib from 'node:zlib';
import { TallyError, VerificationError } from '../errors.js';

/** What one GET may cost: bytes of the body (after decompression) and time for all of it. */
export interface GetLimits {
  maxBytes: number;
  timeoutMs: number;
}

/** Keep-alive agents, one per scheme; HTTPS trusts exactly `ca`. */
export interface GetAgents {
  http: http.Agent;
  https: https.Agent;
}

export function getAgents(ca: string[]): GetAgents {
  return {
    http: new http.Agent({ keepAlive: true }),
    https: new https.Agent({ keepAlive: true, ca }),
  };
}

/**
 * GET `url` whole, trusting nothing about the server's behaviour: the body must arrive within
 * `timeoutMs` from the request (a server that drips bytes or never ends is cut off), must not
 * exceed `maxBytes` (counted after gzip, and before it at twice that), and anything but 200 is an
 * error. `Content-Encoding: gzip` is accepted; redirects are not followed.
 *
 * Errors name the URL: a timeout, a refused connection or an HTTP error is UNAVAILABLE (404 is
 * NOT_FOUND); a body too large or not valid gzip is a VerificationError, since no honest server
 * sends one.
 */
export function boundedGet(url: URL, limits: GetLimits, agents: GetAgents): Promise<Buffer> {
  const { maxBytes, timeoutMs } = limits;
  const https_ = url.protocol === 'https:';
  if (!https_ && url.protocol !== 'http:') {
    return Promise.reject(
      new TallyError('INVALID_ARGUMENT', `${url}: only http and https URLs are supported`),
    );
  }
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | undefined, body?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err === undefined) return resolve(body!);
      request.destroy();
      reject(err);
    };
    const timer = setTimeout(
      () => finish(unavailable(`${url}: no complete answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const tooLarge = (what: string) =>
      new VerificationError(`${url}: ${what} more than the ${maxBytes} bytes it may have`);
    const onResponse = (response: IncomingMessage) => {
      if (response.statusCode !== 200) {
        response.resume();
        const status = `${url}: HTTP ${response.statusCode} ${response.statusMessage ?? ''}`.trimEnd();
        return finish(new TallyError(response.statusCode === 404 ? 'NOT_FOUND' : 'UNAVAILABLE', status));
      }
      const encoding = (response.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
      const gzip = encoding === 'gzip' || encoding === 'x-gzip';
      if (!gzip && encoding !== 'identity') {
        response.resume();
        return finish(
          new VerificationError(`${url}: unsupported Content-Encoding ${JSON.stringify(encoding)}`),
        );
      }
      const rawLimit = gzip ? 2 * maxBytes + 1024 : maxBytes;
      if (Number(response.headers['content-length'] ?? 0) > rawLimit) {
        return finish(tooLarge(`declares ${response.headers['content-length']} bytes,`));
      }
      // The body is gunzipped whole once it is in: bounded like this, one synchronous inflate
      // costs a fraction of a stream per response.
      const chunks: Buffer[] = [];
      let raw = 0;
      response.on('data', (chunk: Buffer) => {
        raw += chunk.length;
        if (raw > rawLimit) return finish(tooLarge('sent'));
        chunks.push(chunk);
      });
      response.on('error', (e) => finish(unavailable(`${url}: ${describeError(e)}`)));
      response.on('close', () => {
        if (!response.complete)
          finish(unavailable(`${url}: the connection closed before the body was complete`));
      });
      response.on('end', () => {
        const body = Buffer.concat(chunks, raw);
        if (!gzip) return finish(undefined, body);
        try {
          finish(undefined, zlib.gunzipSync(body, { maxOutputLength: maxBytes }));
        } catch (e) {
          const tooMuch = (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE';
          finish(
            tooMuch
              ? tooLarge('decompresses to')
              : new VerificationError(`${url}: the gzip body does not decompress: ${(e as Error).message}`),
          );
        }
      });
    };
    const request = (https_ ? https : http).get(
      url,
      { agent: https_ ? agents.https : agents.http, headers: { 'accept-encoding': 'gzip' } },
      onResponse,
    );
    request.on('error', (e) => finish(unavailable(`${url}: ${describeError(e)}`)));
  });
}

function unavailable(message: string): TallyError {
  return new TallyError('UNAVAILABLE', message);
}

function describeError(e: unknown): string {
  const err = e as Error & { code?: string };
  return err.code && !err.message.includes(err.code)
    ? `${err.message} (${err.code})`
    : String(err.message ?? e);
}
