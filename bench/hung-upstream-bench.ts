/**
 * `npm run bench:hung-upstream`: real Nix substitutes a closure of 100 paths through the cache
 * proxy from three agreeing upstreams, first all healthy, then with the first-preferred one hung
 * (it accepts connections and never answers). Prints both times and their ratio; the target is a
 * ratio of at most 2 (issue 13). Upstream timeouts are the defaults (10 s, hedge 500 ms unless
 * `--hedge-ms N`). Also prints how many requests each upstream received.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { createCacheApp } from '../src/cache/app.js';
import type { CacheDecision } from '../src/cache/decision-source.js';
import { formatPublicKey, generateSecretKey, publicKeyOf } from '../src/crypto/ed25519-keys.js';
import { encodeNixValue } from '../src/nix/canonical-value.js';
import { nixOutputsFromPathInfoJson } from '../src/nix/path-info.js';
import { hashPartOfKey } from '../src/nix/store-path.js';
import { NIX_OPTIONS, runNixClient } from '../test/cache/real-nix-cache.js';

const PATHS = 100;
/** `--hedge-ms N`: the proxy's hedge delay; the default's otherwise. */
const hedgeArg = process.argv.indexOf('--hedge-ms');
const HEDGE_MS = hedgeArg === -1 ? undefined : Number(process.argv[hedgeArg + 1]);

function closureOf100(dir: string): { top: string; decisions: Map<string, Buffer> } {
  const nonce = `${process.pid}-${Date.now()}`;
  const deps = Array.from(
    { length: PATHS - 1 },
    (_, i) =>
      `(builtins.derivation { name = "hung-bench-dep-${i}-${nonce}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo ${i} > $out" ]; })`,
  );
  const expr = path.join(dir, 'closure.nix');
  fs.writeFileSync(
    expr,
    `let deps = [ ${deps.join(' ')} ]; in builtins.derivation { name = "hung-bench-top-${nonce}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo \${toString deps} > $out" ]; }\n`,
  );
  const top = execFileSync('nix-build', [expr, '--no-out-link', ...NIX_OPTIONS], { encoding: 'utf8' }).trim();
  const json = JSON.parse(
    execFileSync('nix', ['path-info', '--json', '--recursive', top, ...NIX_OPTIONS], { encoding: 'utf8' }),
  );
  const decisions = new Map<string, Buffer>();
  for (const output of nixOutputsFromPathInfoJson(json)) {
    decisions.set(path.basename(output.storePath).slice(0, 32), encodeNixValue(output));
  }
  if (decisions.size !== PATHS) throw new Error(`the closure has ${decisions.size} paths, not ${PATHS}`);
  execFileSync('nix', [
    'copy',
    '--to',
    `file://${path.join(dir, 'cache')}?compression=none`,
    top,
    ...NIX_OPTIONS,
  ]);
  return { top, decisions };
}

interface Served {
  url: string;
  /** Requests it received, by kind: `narinfo`, `nar`, other. */
  requests: Map<string, number>;
  close(): void;
}

async function serve(root: string, hanging: boolean): Promise<Served> {
  const requests = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const kind = req.url?.endsWith('.narinfo') ? 'narinfo' : req.url?.startsWith('/nar/') ? 'nar' : 'other';
    requests.set(kind, (requests.get(kind) ?? 0) + 1);
    if (hanging) return;
    const file = path.join(root, path.normalize(new URL(req.url ?? '/', 'http://x').pathname));
    if (!file.startsWith(root) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': fs.statSync(file).size });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Seconds for `nix copy` of the closure into a fresh store, through a fresh proxy. */
async function substitute(
  dir: string,
  run: string,
  top: string,
  decisions: Map<string, Buffer>,
  hung: boolean,
) {
  const cache = path.join(dir, 'cache');
  const upstreams = [await serve(cache, hung), await serve(cache, false), await serve(cache, false)];
  const key = generateSecretKey('hung-bench-1');
  const app = createCacheApp({
    key,
    logger: pino({ level: 'silent' }),
    ...(HEDGE_MS === undefined ? {} : { upstreamHedgeMs: HEDGE_MS }),
    decisions: {
      decide: async (k): Promise<CacheDecision> => {
        const value = decisions.get(hashPartOfKey(k));
        return value === undefined
          ? { decided: false, reason: 'not in the bench closure' }
          : { decided: true, value, upstreams: upstreams.map((u) => u.url) };
      },
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const proxy = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const start = performance.now();
  await runNixClient(
    formatPublicKey(publicKeyOf(key)),
    ['copy', '--from', proxy, '--to', path.join(dir, `client-${run}`), top],
    {
      cacheHome: path.join(dir, `xdg-${run}`),
    },
  );
  const seconds = (performance.now() - start) / 1000;
  await app.close();
  for (const u of upstreams) u.close();
  const asked = upstreams.map((u) =>
    ['narinfo', 'nar', 'other'].map((kind) => `${u.requests.get(kind) ?? 0} ${kind}`).join(', '),
  );
  return { seconds, asked };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tally-hung-bench-'));
try {
  const { top, decisions } = closureOf100(dir);
  const healthy = await substitute(dir, 'healthy', top, decisions, false);
  const hung = await substitute(dir, 'hung', top, decisions, true);
  console.log(`closure of ${PATHS} paths, nix copy through the proxy, 3 agreeing upstreams`);
  console.log(`  all healthy:        ${healthy.seconds.toFixed(2)} s`);
  console.log(`  first one hung:     ${hung.seconds.toFixed(2)} s`);
  console.log(`  ratio hung/healthy: ${(hung.seconds / healthy.seconds).toFixed(2)} (target <= 2)`);
  for (const [name, run] of [
    ['healthy', healthy],
    ['hung', hung],
  ] as const) {
    console.log(
      `  requests per upstream (${name}): ${run.asked.map((a, i) => `#${i + 1}: ${a}`).join('; ')}`,
    );
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
