import { isIP } from 'node:net';

/** A TCP endpoint from the config: `host:port`, with IPv6 hosts written in brackets (`[::1]:9002`). */
export interface HostPort {
  host: string; // without brackets
  port: number; // 0..65535; 0 = an ephemeral port chosen at bind (the daemon logs the real one)
}

const HOSTNAME_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;

function isHostname(host: string): boolean {
  return host.length <= 253 && host.split('.').every((label) => HOSTNAME_LABEL.test(label));
}

/**
 * Parses `host:port`; returns the reason in words when the text is not one. Port 0 ("any free
 * port", for tests) only makes sense for a listener, so callers opt in to it.
 */
export function parseHostPort(text: string, { allowPortZero = false } = {}): HostPort | { error: string } {
  const bracketed = /^\[([^\]]*)\]:([^:]*)$/.exec(text);
  let host: string;
  let portText: string;
  if (bracketed) {
    host = bracketed[1] ?? '';
    portText = bracketed[2] ?? '';
    if (isIP(host) !== 6) return { error: `${JSON.stringify(host)} in brackets is not an IPv6 address` };
  } else {
    const colon = text.lastIndexOf(':');
    if (colon < 0) return { error: `expected "host:port", got ${JSON.stringify(text)}` };
    host = text.slice(0, colon);
    portText = text.slice(colon + 1);
    if (host.includes(':')) return { error: `IPv6 hosts need brackets, e.g. "[::1]:9002"` };
    if (host === '') return { error: `missing host in ${JSON.stringify(text)}` };
    if (isIP(host) !== 4 && !isHostname(host)) {
      return { error: `${JSON.stringify(host)} is neither an IP address nor a host name` };
    }
  }
  const port = /^[0-9]{1,5}$/.test(portText) ? Number(portText) : NaN;
  const lowest = allowPortZero ? 0 : 1;
  if (!(port >= lowest && port <= 65535)) {
    return { error: `port must be a number in ${lowest}..65535, got ${JSON.stringify(portText)}` };
  }
  return { host, port };
}

/** The `host:port` text that grpc-js and the config itself accept. */
export function formatHostPort({ host, port }: HostPort): string {
  return isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`;
}
