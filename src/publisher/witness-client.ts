import { TallyError } from '../errors.js';

/** A witness's answer to add-checkpoint, read whole within the limits. */
export interface WitnessResponse {
  status: number;
  contentType: string;
  body: string;
}

export interface WitnessRequestLimits {
  /** For the whole exchange: connecting, sending, and the answer's last byte. */
  timeoutMs: number;
  /** An answer is a few signature lines; anything larger is refused, never buffered. */
  maxBytes: number;
}

/**
 * POSTs an add-checkpoint body to `<url>/add-checkpoint`. Any status is returned (the caller reads
 * 409s); a timeout, a refused connection or an answer over `maxBytes` is UNAVAILABLE, naming the URL.
 */
export async function postAddCheckpoint(
  url: string,
  body: string,
  limits: WitnessRequestLimits,
): Promise<WitnessResponse> {
  const target = `${url}/add-checkpoint`;
  const signal = AbortSignal.timeout(limits.timeoutMs);
  try {
    const response = await fetch(target, {
      method: 'POST',
      body,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      redirect: 'error',
      signal,
    });
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of response.body ?? []) {
      size += chunk.length;
      if (size > limits.maxBytes) {
        throw new TallyError('UNAVAILABLE', `${target}: the answer is larger than ${limits.maxBytes} bytes`);
      }
      chunks.push(chunk);
    }
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      body: Buffer.concat(chunks).toString('utf8'),
    };
  } catch (err) {
    if (err instanceof TallyError) throw err;
    const reason = signal.aborted
      ? `no complete answer within ${limits.timeoutMs} ms`
      : describeFetchError(err as Error);
    throw new TallyError('UNAVAILABLE', `${target}: ${reason}`);
  }
}

/** fetch's "fetch failed" says nothing; its cause says "connect ECONNREFUSED ...". */
function describeFetchError(err: Error): string {
  const cause = (err as Error & { cause?: Error & { code?: string } }).cause;
  return cause?.message ? cause.message : err.message;
}
