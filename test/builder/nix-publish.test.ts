import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodeNixValue, nixOutputsFromPathInfoJson } from '../../src/nix/index.js';
import { cliPath, runCli, startDaemonProcess, testConfig, type DaemonProcess } from '../helpers/daemon.js';
import { createChrootNixStore, runProcess } from '../e2e/chroot-nix-store.js';
import { pollUntil } from '../helpers/poll.js';
import { tempDir } from '../helpers/tmp.js';
import { serveDirectory } from '../cache/static-server.js';
import { createTestNixStore, textDerivation, writeHookScript, type TestNixStore } from './nix-store.js';

/*
 * Publishing with a real Nix (Debian's nix-bin, 2.8 here): builds in a throwaway store, the real
 * post-build hook, closures and a `nix copy` binary cache, each checked against the log.
 */

let root: string;
let store: TestNixStore;
const nonce = crypto.randomBytes(4).toString('hex');

beforeAll(() => {
  root = tempDir('tally-publish-');
  store = createTestNixStore(path.join(root, 'nix'));
});

const hashPartOf = (storePath: string) => path.basename(storePath).slice(0, 32);

/** The value the log must hold for a path: the canonical value of what `nix path-info` says. */
function expectedValue(storePath: string): Buffer {
  const [output] = nixOutputsFromPathInfoJson(store.pathInfoJson([storePath]), { storeDir: store.storeDir });
  return encodeNixValue(output!, { storeDir: store.storeDir });
}

async function lookupValue(daemon: DaemonProcess, storePath: string): Promise<Buffer | undefined> {
  const { code, stdout, stderr } = await runCli([
    'lookup',
    hashPartOf(storePath),
    '--api',
    daemon.api,
    '--json',
  ]);
  expect(code, stderr).toBe(0);
  const answer = JSON.parse(stdout) as { present: boolean; value?: string };
  return answer.present ? Buffer.from(answer.value!, 'base64') : undefined;
}

/** Raw facts from Nix's JSON, independent of tally's parser. */
function rawPathInfo(storePath: string): { narSize: number } {
  const json = store.pathInfoJson([storePath]) as Array<{ narSize: number }>;
  return json[0]!;
}

describe('publishing with a real Nix', () => {
  it('the post-build hook publishes a nix-build under the store-path key with the canonical value', async () => {
    const daemon = await startDaemonProcess({ stateDir: path.join(root, 'state-a'), config: testConfig() });
    const hook = writeHookScript(path.join(root, 'hook-a.sh'), ['--state', daemon.stateDir]);
    const out = await store.build(textDerivation(`hooked-${nonce}`, 'echo hooked > $out'), {
      postBuildHook: hook,
    });

    const value = await lookupValue(daemon, out);
    expect(value).toBeDefined();
    expect(value!.equals(expectedValue(out))).toBe(true);
    const text = value!.toString('utf8');
    expect(text).toContain(`StorePath: ${out}\n`);
    expect(text).toContain(`NarSize: ${rawPathInfo(out).narSize}\n`);
    expect(fs.existsSync(path.join(daemon.stateDir, 'spool'))).toBe(false);
    await daemon.stop();
  }, 90_000);

  it('a build whose daemon stops mid-build still succeeds; the hook spools and the restarted daemon logs it', async () => {
    const stateDir = path.join(root, 'state-b');
    const first = await startDaemonProcess({ stateDir, config: testConfig() });
    const hook = writeHookScript(path.join(root, 'hook-b.sh'), ['--state', stateDir]);
    const go = path.join(root, 'go-b');
    const started = path.join(root, 'started-b');
    // The builder waits for the test to stop the daemon before it finishes. Its PATH is empty:
    // shell builtins and absolute paths only; it gives up after 60 s.
    const build = store.build(
      textDerivation(
        `spooled-${nonce}`,
        `: > ${started}; i=0; while [ ! -e ${go} ] && [ $i -lt 600 ]; do /bin/sleep 0.1; i=$((i+1)); done; echo spooled > $out`,
      ),
      { postBuildHook: hook },
    );
    await pollUntil('the build to start', () => fs.existsSync(started), { timeoutMs: 60_000 });
    expect(await first.stop()).toBe(0);
    fs.writeFileSync(go, '');
    const out = await build;

    const spoolDir = path.join(stateDir, 'spool');
    const spooled = fs.readdirSync(spoolDir).filter((n) => n.endsWith('.json'));
    expect(spooled).toHaveLength(1);

    const second = await startDaemonProcess({ stateDir, config: testConfig() });
    await pollUntil('the spool to be ingested', () => !fs.existsSync(path.join(spoolDir, spooled[0]!)));
    expect(fs.existsSync(path.join(spoolDir, 'rejected'))).toBe(false);
    const value = await lookupValue(second, out);
    expect(value?.equals(expectedValue(out))).toBe(true);
    await second.stop();
  }, 120_000);

  describe('with a two-path closure', () => {
    let daemon: DaemonProcess;
    beforeAll(async () => {
      daemon = await startDaemonProcess({ stateDir: path.join(root, 'state-cd'), config: testConfig() });
    });

    /** `top` refers to `dep`, so the closure of `top` is both. */
    async function buildClosure(tag: string): Promise<{ top: string; dep: string }> {
      const expr = `let dep = ${textDerivation(`dep-${tag}-${nonce}`, 'echo dep > $out')}; in builtins.derivation { name = "top-${tag}-${nonce}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo \${dep} > $out" ]; }`;
      const top = await store.build(expr);
      const dep = fs.readFileSync(top, 'utf8').trim();
      expect(dep.startsWith(store.storeDir + '/')).toBe(true);
      return { top, dep };
    }

    it('submit-closure publishes every path of the closure, and again finds them present', async () => {
      const { top, dep } = await buildClosure('closure');
      const args = ['submit-closure', top, '--admin-socket', daemon.adminSocket, '--json'];
      const first = await store.cli(args);
      expect(first.code, first.stderr).toBe(0);
      expect(JSON.parse(first.stdout)).toMatchObject({ ok: true, paths: 2, appended: 2, alreadyPresent: 0 });
      // Not a TTY: no progress output; only which store was read.
      expect(first.stderr).toBe(
        `tally: reading Nix store auto (Nix's configured store; choose one with --store), store dir ${store.storeDir}\n`,
      );
      for (const p of [top, dep]) expect((await lookupValue(daemon, p))?.equals(expectedValue(p))).toBe(true);
      const topValue = (await lookupValue(daemon, top))!.toString('utf8');
      expect(topValue).toContain(`References: ${path.basename(dep)}\n`);

      const again = await store.cli(args);
      expect(JSON.parse(again.stdout)).toMatchObject({ ok: true, paths: 2, appended: 0, alreadyPresent: 2 });
    }, 90_000);

    it('submit-closure and post-build-hook read the --store given, say so, and refuse paths of another store dir', async () => {
      // A second store: a chroot store, store dir /nix/store, its files under its root.
      const other = createChrootNixStore(path.join(root, 'second-store'));
      const [top] = await other.build(
        `let dep = ${textDerivation(`dep-second-${nonce}`, 'echo dep > $out')}; in [ (builtins.derivation { name = "top-second-${nonce}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo \${dep} > $out" ]; }) ]`,
      );
      const target = ['--admin-socket', daemon.adminSocket, '--json'];
      const asked = (args: string[], env: NodeJS.ProcessEnv = {}) =>
        runProcess(process.execPath, [cliPath, ...args, ...target], { ...process.env, ...env });

      const read = await asked(['submit-closure', top!, '--store', other.root]);
      expect(read.code, read.stderr).toBe(0);
      expect(read.stderr).toBe(`tally: reading Nix store ${other.root}, store dir /nix/store\n`);
      expect(JSON.parse(read.stdout)).toMatchObject({
        store: other.root,
        storeDir: '/nix/store',
        paths: 2,
        appended: 2,
      });

      // The store's physical path instead of the path it knows: refused, saying which is meant.
      const physical = await asked(['submit-closure', other.realPath(top!), '--store', other.root]);
      expect(physical.code).toBe(2);
      expect(JSON.parse(physical.stdout).error.message).toBe(
        `${other.realPath(top!)} is not in the store dir /nix/store of the Nix store ${other.root}; ` +
          `this store names it ${top} (${other.root} is where the store keeps its files)`,
      );
      // A --store-dir that is not the store's own.
      for (const command of [['submit-closure', top!], ['post-build-hook']]) {
        const mismatch = await asked([...command, '--store', other.root, '--store-dir', store.storeDir], {
          OUT_PATHS: top!,
        });
        expect(mismatch.code, command[0]).toBe(2);
        expect(mismatch.stdout + mismatch.stderr, command[0]).toContain(
          `the Nix store ${other.root} keeps its paths in /nix/store, not in ${store.storeDir} (--store-dir)`,
        );
      }

      // The hook reads the store it is told, and says so in the lines Nix shows.
      const hook = await asked(['post-build-hook', '--store', other.root], { OUT_PATHS: top! });
      expect(hook.code, hook.stderr).toBe(0);
      expect(hook.stderr).toMatch(
        new RegExp(
          `^tally: reading Nix store ${other.root}, store dir /nix/store\ntally: published ${top}: `,
        ),
      );
      expect(hook.stderr).toContain('1 already present');
    }, 120_000);

    it('publish-cache publishes every narinfo of a `nix copy` cache, agreeing with nix path-info', async () => {
      const { top, dep } = await buildClosure('cache');
      const cacheDir = path.join(root, 'cache');
      store.nix(['copy', '--to', `file://${cacheDir}`, top]);
      expect(fs.readdirSync(cacheDir).filter((n) => n.endsWith('.narinfo'))).toHaveLength(2);

      const { code, stdout, stderr } = await store.cli([
        'publish-cache',
        `file://${cacheDir}`,
        '--admin-socket',
        daemon.adminSocket,
        '--json',
      ]);
      expect(code, stderr).toBe(0);
      expect(JSON.parse(stdout)).toMatchObject({ ok: true, narinfos: 2, appended: 2 });
      // The narinfo route and the path-info route produce the same bytes: builders agree.
      for (const p of [top, dep]) expect((await lookupValue(daemon, p))?.equals(expectedValue(p))).toBe(true);
    }, 90_000);

    it('publish-cache publishes the named paths of an HTTP cache, and names a path it lacks', async () => {
      const { top, dep } = await buildClosure('http');
      const cacheDir = path.join(root, 'http-cache');
      store.nix(['copy', '--to', `file://${cacheDir}`, top]);
      const server = await serveDirectory(cacheDir);
      try {
        const pathsFile = path.join(root, 'http-paths.txt');
        // A full store path and a bare hash part: both forms are accepted.
        fs.writeFileSync(pathsFile, `${top}\n${hashPartOf(dep)}\n`);
        const args = [
          'publish-cache',
          server.url,
          '--paths',
          pathsFile,
          '--admin-socket',
          daemon.adminSocket,
          '--json',
        ];
        const first = await store.cli(args);
        expect(first.code, first.stderr).toBe(0);
        expect(JSON.parse(first.stdout)).toMatchObject({ ok: true, narinfos: 2, appended: 2 });
        for (const p of [top, dep])
          expect((await lookupValue(daemon, p))?.equals(expectedValue(p))).toBe(true);

        const missing = '0'.repeat(32);
        fs.writeFileSync(pathsFile, `${hashPartOf(top)}\n${missing}\n`);
        const absent = await store.cli(args);
        expect(absent.code).not.toBe(0);
        // --json reports the error as JSON on stdout.
        expect(absent.code).toBe(3); // not found: unavailable
        expect(JSON.parse(absent.stdout)).toMatchObject({ ok: false });
        expect(absent.stdout).toContain(`${missing}.narinfo: not in the cache (404)`);
      } finally {
        await server.close();
      }
    }, 90_000);

    it('publish-cache refuses an HTTP cache without --paths, naming the limitation', async () => {
      const { code, stderr } = await runCli([
        'publish-cache',
        'http://127.0.0.1:1',
        '--admin-socket',
        daemon.adminSocket,
      ]);
      expect(code).toBe(2);
      expect(stderr).toMatch(/cannot be listed: give its store paths with --paths/);
    });
  });
});
