import { InvalidArgumentError, TallyError } from '../errors.js';

/** How long a CLI read of the daemon's HTTP listener may take. */
const TIMEOUT_MS = 10_000;

/**
 * GETs JSON from the daemon's HTTP listener (api.http_listen) at `address` ("host:port").
 * A daemon that cannot be reached is UNAVAILABLE, a 404 NOT_FOUND and a 400 INVALID_ARGUMENT,
 * each with the daemon's own words.
 */
export async function getDaemonJson(address: string, pathAndQuery: string): Promise<unknown> {
  const url = `http://${address}${pathAndQuery}`;
  let answer: Response;
  try {
    answer = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    throw new TallyError(
      'UNAVAILABLE',
      `cannot reach the daemon's HTTP listener at ${address} (--http; api.http_listen): ${cause}`,
    );
  }
  const text = await answer.text();
  if (answer.status === 404) throw new TallyError('NOT_FOUND', text.trim() || `${url}: not found`);
  if (answer.status === 400) throw new InvalidArgumentError(text.trim());
  if (!answer.ok) throw new TallyError('UNAVAILABLE', `${url} answered ${answer.status}: ${text.trim()}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new TallyError('UNAVAILABLE', `${url} did not answer JSON`);
  }
}
