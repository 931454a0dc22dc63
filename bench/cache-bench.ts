/**
 * npm run bench:cache — the cache proxy against Debian's nginx serving the same file:// binary
 * cache, side by side in one run on this machine:
 *   - narinfo requests/s, sequential on one keep-alive connection and on 64 concurrent ones
 *     (decisions warm), over a few hundred real narinfos;
 *   - NAR throughput for one large NAR (default 256 MiB), the proxy verifying its hash;
 *   - per compression (`--nix-copy`, default xz,zstd,none): the wall time of a real
 *     `nix copy --from` of one store path of real shared libraries (default ≥ 140 MiB) into a
 *     fresh store, from the proxy and from the same cache through nginx (bench/cache-nix-copy.ts).
 * Setup: a cache made with Debian's Nix (bench/cache-nix.ts), nginx over it (bench/cache-nginx.ts),
 * builder daemons publishing it and a client daemon following them with nginx as upstream
 * (bench/cache-daemons.ts). Rounds alternate nginx and proxy; medians are reported.
 *
 * Usage: node dist/bench/cache-bench.js [--small-paths 300] [--large-mib 256] [--compression none]
 *   [--builders 3] [--seconds 4] [--rounds 3] [--connections 64] [--nar-rounds 5] [--cpu-prof DIR]
 *   [--nix-copy xz,zstd,none] [--libs-mib 140] [--copy-rounds 3] [--libs-dir DIR (kept, reused)]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createProgress } from '../src/cli/progress.js';
import { cpuSecondsOf } from './cpu-time.js';
import { startBuilder, startClient, warmDecisions, type BenchDaemon, type Builder } from './cache-daemons.js';
import { download, requestRate, type Measured } from './cache-load.js';
import { makeBenchCache } from './cache-nix.js';
import { makeLibsCache, nixCopySeconds, passThroughEstimateSeconds } from './cache-nix-copy.js';
import { NGINX, startNginx, type Nginx } from './cache-nginx.js';

const { values: args } = parseArgs({
  options: {
    'small-paths': { type: 'string', default: '300' },
    'large-mib': { type: 'string', default: '256' },
    compression: { type: 'string', default: 'none' },
    builders: { type: 'string', default: '3' },
    seconds: { type: 'string', default: '4' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '64' },
    'nar-rounds': { type: 'string', default: '5' },
    'max-requests': { type: 'string', default: '2000000' },
    /** Compressions of the `nix copy` rows, comma-separated; empty for none. */
    'nix-copy': { type: 'string', default: 'xz,zstd,none' },
    'libs-mib': { type: 'string', default: '140' },
    'copy-rounds': { type: 'string', default: '3' },
    /** Where the libraries' caches are made; kept and reused by later runs (default: a temp dir). */
    'libs-dir': { type: 'string' },
    /** Writes CPU profiles of the client daemons (node --cpu-prof) into this directory. */
    'cpu-prof': { type: 'string' },
  },
});
const num = (name: keyof typeof args) => Number(args[name]);

if (!fs.existsSync(NGINX)) {
  console.error(
    `bench:cache needs Debian's nginx at ${NGINX} (apt-get install nginx-light); it is not installed.`,
  );
  process.exit(1);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const loadavg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tally-bench-cache-'));
let nginx: Nginx | undefined;
const builders: Builder[] = [];
let client: BenchDaemon | undefined;
try {
  console.log(
    `machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model}), Node ${process.version}, load average at start ${loadavg()}`,
  );
  let t = performance.now();
  const cache = makeBenchCache(dir, {
    smallPaths: num('small-paths'),
    largeBytes: num('large-mib') * 1024 * 1024,
    compression: args.compression,
  });
  console.log(
    `cache: ${cache.small.length + 1} paths made with Nix in ${((performance.now() - t) / 1000).toFixed(1)} s; ` +
      `upstream Compression ${cache.compression}; large NAR ${cache.large.narSize} bytes`,
  );

  const copyCompressions = args['nix-copy'].split(',').filter((c) => c !== '');
  const libs =
    copyCompressions.length === 0
      ? undefined
      : makeLibsCache(
          args['libs-dir'] ?? path.join(dir, 'libs-cache'),
          num('libs-mib') * 1024 * 1024,
          copyCompressions,
        );
  if (libs) {
    // nginx serves them beside the main cache, at /libs-<compression>.
    for (const [compression, libsDir] of Object.entries(libs.dirs)) {
      fs.symlinkSync(path.resolve(libsDir), path.join(cache.dir, `libs-${compression}`));
    }
    console.log(
      `libs: ${libs.storePath}, ${libs.files} shared libraries, NAR ${libs.narSize} bytes; ` +
        Object.entries(libs.dirs)
          .map(
            ([c, d]) =>
              `${c} ${fs.readdirSync(path.join(d, 'nar')).map((f) => fs.statSync(path.join(d, 'nar', f)).size)} bytes`,
          )
          .join(', '),
    );
  }

  /** node --cpu-prof for every client daemon (one profile each, written when it stops). */
  const profileArgs = args['cpu-prof']
    ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(args['cpu-prof'])]
    : [];
  nginx = await startNginx(path.join(dir, 'nginx'), cache.dir);
  const publishedDirs = libs ? [cache.dir, Object.values(libs.dirs)[0]!] : [cache.dir];
  for (let i = 0; i < num('builders'); i++)
    builders.push(await startBuilder(dir, `builder${i}`, ...publishedDirs));
  client = await startClient(dir, builders, nginx.url, profileArgs);
  const proxy = `http://${client.addresses.cache}`;
  t = performance.now();
  const hashParts = [cache.large, ...cache.small].map((p) => p.hashPart);
  await warmDecisions(client, hashParts);
  console.log(
    `${builders.length} builders published, client decided ${hashParts.length} paths in ${((performance.now() - t) / 1000).toFixed(1)} s`,
  );

  const narinfoPaths = cache.small.map((p) => `/${p.hashPart}.narinfo`);
  const sides = {
    nginx: { base: nginx.url, pids: nginx.pids },
    proxy: { base: proxy, pids: () => [client!.pid] },
  };
  // One pass over every narinfo through each side: checks they all answer 200, and warms both.
  for (const side of Object.values(sides)) {
    await requestRate(side.base, narinfoPaths, {
      connections: 1,
      seconds: 60,
      maxRequests: narinfoPaths.length,
      serverPids: side.pids,
    });
  }

  type Side = keyof typeof sides;
  const results: Record<string, Record<Side, Measured[]>> = {};
  // A bar on stderr when it is a terminal (not in CI), moved between measurements only.
  const steps =
    2 * num('rounds') * 2 + num('nar-rounds') * 2 + copyCompressions.length * num('copy-rounds') * 3;
  const progress = createProgress('measuring', steps);
  let measured = 0;
  const record = (what: string, side: Side, m: Measured) => {
    (results[what] ??= { nginx: [], proxy: [] })[side].push(m);
    progress.update(++measured);
  };

  for (const [what, connections] of [
    ['sequential', 1],
    ['concurrent', num('connections')],
  ] as const) {
    for (let round = 0; round < num('rounds'); round++) {
      for (const side of ['nginx', 'proxy'] as const) {
        const m = await requestRate(sides[side].base, narinfoPaths, {
          connections,
          seconds: num('seconds'),
          maxRequests: num('max-requests'),
          serverPids: sides[side].pids,
        });
        record(what, side, m);
      }
    }
  }

  const proxyNarinfo = await (await fetch(`${proxy}/${cache.large.hashPart}.narinfo`)).text();
  const proxyNarUrl = /^URL: (.*)$/m.exec(proxyNarinfo)![1]!;
  const upstreamFileSize = fs.statSync(path.join(cache.dir, cache.large.narUrl)).size;
  const narSize = cache.large.narSize;
  for (let round = 0; round < num('nar-rounds'); round++) {
    const upstreamBytes = { bytes: upstreamFileSize, narSize };
    record('nar', 'nginx', await download(`${nginx.url}/${cache.large.narUrl}`, upstreamBytes, nginx.pids));
    const proxyBytes = { bytes: narSize, narSize };
    record('nar', 'proxy', await download(`${proxy}/${proxyNarUrl}`, proxyBytes, sides.proxy.pids));
  }

  // nix copy: per compression, a client whose upstream is that cache; direct and proxy alternate.
  // CPU: of the nix process plus the server's (nginx; the proxy daemon and its decompressors).
  type CopyTimes = {
    direct: number[];
    proxy: number[];
    passThrough: number[];
    directCpu: number[];
    proxyCpu: number[];
  };
  const copies: Record<string, CopyTimes> = {};
  for (const compression of copyCompressions) {
    const direct = `${nginx.url}/libs-${compression}`;
    const copyClient = await startClient(dir, builders, direct, profileArgs, `client-${compression}`);
    try {
      await warmDecisions(copyClient, [libs!.hashPart]);
      const viaProxy = `http://${copyClient.addresses.cache}`;
      const times: CopyTimes = { direct: [], proxy: [], passThrough: [], directCpu: [], proxyCpu: [] };
      const narDir = path.join(libs!.dirs[compression]!, 'nar');
      const compressedNar = path.join(narDir, fs.readdirSync(narDir)[0]!);
      copies[compression] = times;
      for (let round = 0; round < num('copy-rounds'); round++) {
        for (const [side, from, serverCpu] of [
          ['direct', direct, () => cpuSecondsOf(nginx!.pids())],
          ['proxy', viaProxy, () => cpuSecondsOf([copyClient.pid], { children: true })],
        ] as const) {
          const before = serverCpu();
          const copy = nixCopySeconds(from, libs!.storePath, dir);
          times[side].push(copy.seconds);
          times[`${side}Cpu`].push(copy.nixCpuSeconds + serverCpu() - before);
          progress.update(++measured);
        }
        if (compression !== 'none') {
          times.passThrough.push(
            await passThroughEstimateSeconds(direct, libs!.storePath, dir, compression, compressedNar),
          );
        }
        progress.update(++measured);
      }
    } finally {
      await copyClient.stop();
    }
  }

  progress.finish();
  const MiB = 1024 * 1024;
  const c = num('connections');
  const int = (n: number) => Math.round(n).toLocaleString('en-US');
  const rows = [
    { what: 'narinfo requests/s, sequential, 1 connection', of: 'sequential', scale: 1, target: 0.8 },
    { what: `narinfo requests/s, ${c} concurrent connections`, of: 'concurrent', scale: 1, target: 0.8 },
    {
      what: `NAR MiB/s, ${num('large-mib')} MiB NAR (upstream Compression ${cache.compression}; proxy verifies the hash)`,
      of: 'nar',
      scale: 1 / MiB,
      target: 0.7,
    },
  ];
  console.log(
    `\nmedians of ${num('rounds')} rounds of ${num('seconds')} s (narinfo) and ${num('nar-rounds')} downloads (NAR), ` +
      'nginx and proxy alternating; CPU = user + system time of the server processes (all threads) and of the ' +
      'load generator (this process, one thread), per request or per NAR MiB',
  );
  console.log(
    '| what | nginx | proxy | proxy / nginx | target | met? | server CPU nginx / proxy | load CPU nginx / proxy |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const { what, of, scale, target } of rows) {
    const measured = results[of];
    if (!measured) continue;
    const rate = (side: Side) => median(measured[side].map((m) => m.count / m.seconds)) * scale;
    const perUnit = (side: Side, cpu: (m: Measured) => number) =>
      median(measured[side].map((m) => cpu(m) / (m.count * scale)));
    const cpuText = (cpu: (m: Measured) => number) =>
      of === 'nar'
        ? `${(perUnit('nginx', cpu) * 1000).toFixed(2)} / ${(perUnit('proxy', cpu) * 1000).toFixed(2)} ms`
        : `${(perUnit('nginx', cpu) * 1e6).toFixed(0)} / ${(perUnit('proxy', cpu) * 1e6).toFixed(0)} µs`;
    const ratio = rate('proxy') / rate('nginx');
    console.log(
      `| ${what} | ${int(rate('nginx'))} | ${int(rate('proxy'))} | ${ratio.toFixed(2)} | ≥ ${target} | ` +
        `${ratio >= target ? 'yes' : 'no'} | ${cpuText((m) => m.serverCpuSeconds)} | ${cpuText((m) => m.clientCpuSeconds)} |`,
    );
  }
  const perRound = (ms: Measured[], scale: number) =>
    ms.map((m) => Math.round((m.count / m.seconds) * scale));
  for (const { of, scale } of rows) {
    const measured = results[of];
    if (measured)
      console.log(
        `${of} rounds: nginx ${perRound(measured.nginx, scale).join(', ')}; proxy ${perRound(measured.proxy, scale).join(', ')}`,
      );
  }
  if (libs && copyCompressions.length > 0) {
    console.log(
      `\nnix copy --from <cache> of ${libs.storePath} (NAR ${(libs.narSize / MiB).toFixed(0)} MiB, ${libs.files} shared ` +
        `libraries) into a fresh store, wall time, median of ${num('copy-rounds')} rounds, direct (nginx) and proxy alternating`,
    );
    console.log(
      'pass-through estimate: direct while `<tool> -dc | sha256sum` of the same NAR runs beside it, the side work a ' +
        'proxy passing compressed bytes through must do (a lower bound for that design)',
    );
    console.log(
      '| upstream Compression | direct (nginx) s | proxy s | proxy / direct | target | met? | CPU s direct / proxy (nix + server) | pass-through estimate / direct | rounds direct; proxy; estimate |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const [compression, times] of Object.entries(copies)) {
      const ratio = median(times.proxy) / median(times.direct);
      const list = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
      const estimate =
        times.passThrough.length > 0 ? (median(times.passThrough) / median(times.direct)).toFixed(2) : '–';
      console.log(
        `| ${compression} | ${median(times.direct).toFixed(2)} | ${median(times.proxy).toFixed(2)} | ${ratio.toFixed(2)} | ≤ 1.1 | ` +
          `${ratio <= 1.1 ? 'yes' : 'no'} | ${median(times.directCpu).toFixed(2)} / ${median(times.proxyCpu).toFixed(2)} | ${estimate} | ${list(times.direct)}; ${list(times.proxy)}; ${list(times.passThrough)} |`,
      );
    }
  }
  console.log(`load average at end ${loadavg()}`);
} finally {
  await client?.stop();
  for (const b of builders) await b.daemon.stop();
  await nginx?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
