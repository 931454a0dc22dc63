import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/**
 * HTTP to builders' binary caches, with Node's fetch (undici). Every request has a deadline for
 * its headers; a narinfo body is small and read under the same deadline.
 */
export class UpstreamError extends Error {}

export type NarinfoFetch = { found: true; body: Buffer } | { found: false };

const MAX_NARINFO_BODY = 64 * 1024;

/** `base` (a cache URL, with or without trailing slash) joined with a relative path. */
export function upstreamUrl(base: string, relative: string): URL {
  const root = new URL(base.endsWith('/') ? base : base + '/');
  const url = new URL(relative, root);
  // A narinfo's URL may only point into its own cache: no redirecting the proxy elsewhere.
  if (url.origin !== root.origin || !url.pathname.startsWith(root.pathname)) {
    throw new UpstreamError(`URL ${JSON.stringify(relative)} leaves the upstream cache ${base}`);
  }
  return url;
}

export async function fetchNarinfo(base: string, hashPart: string, timeoutMs: number): Promise<NarinfoFetch> {
  const url = upstreamUrl(base, `${hashPart}.narinfo`);
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (response.status === 404 || response.status === 403) {
      await response.body?.cancel();
      return { found: false };
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new UpstreamError(`${url} answered HTTP ${response.status}`);
    }
    const length = Number(response.headers.get('content-length') ?? '0');
    if (length > MAX_NARINFO_BODY) {
      await response.body?.cancel();
      throw new UpstreamError(`${url} sent a ${length}-byte narinfo`);
    }
    const body = Buffer.from(await response.arrayBuffer());
    if (body.length > MAX_NARINFO_BODY) throw new UpstreamError(`${url} sent a ${body.length}-byte narinfo`);
    return { found: true, body };
  } catch (e) {
    if (e instanceof UpstreamError) throw e;
    throw new UpstreamError(`${url}: ${describeFetchError(e)}`);
  }
}

/** Opens a NAR download; the body is a Node stream, aborted when it is destroyed. */
export async function openNarStream(url: URL, timeoutMs: number): Promise<Readable> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`no response within ${timeoutMs} ms`)), timeoutMs);
  try {
    const response = await fetch(url, { signal: abort.signal });
    if (response.status !== 200 || response.body === null) {
      await response.body?.cancel();
      throw new UpstreamError(`${url} answered HTTP ${response.status}`);
    }
    return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  } catch (e) {
    if (e instanceof UpstreamError) throw e;
    throw new UpstreamError(`${url}: ${describeFetchError(e)}`);
  } finally {
    clearTimeout(timer);
  }
}

function describeFetchError(e: unknown): string {
  const err = e as Error & { cause?: Error };
  return err.cause?.message ? `${err.message} (${err.cause.message})` : String(err.message ?? e);
}
