// [publish.s3] against s3rver, a real S3 API server run as a child process: the daemon uploads the
// objects the HTTP read API serves, with its Content-Type and Cache-Control, the checkpoint last;
// read back with the AWS SDK they are the log. A bucket that is not there is retried, not fatal.
import path from 'node:path';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
  type _Object,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCheckpoint } from '../../src/checkpoint/checkpoint.js';
import { parsePublicKey } from '../../src/crypto/ed25519-keys.js';
import { sha256 } from '../../src/crypto/sha256.js';
import { logResourcePath } from '../../src/tiles/index.js';
import type { LogResourceSource } from '../../src/verify/tile-sources.js';
import { TiledLogVerifier } from '../../src/verify/tiled-log.js';
import { startDaemonProcess, testConfig, type DaemonProcess } from '../helpers/daemon.js';
import { S3RVER_ENV, startS3rver, type S3rverProcess } from '../helpers/s3rver.js';
import { expectedStaticFiles } from '../helpers/static-files.js';
import { pollUntil } from '../helpers/poll.js';
import { tempDir } from '../helpers/tmp.js';

const entry = (n: number) => ({
  key: sha256(Buffer.from(`s3 publish ${n}`)).subarray(0, 20),
  value: Buffer.from(`s3 value of ${n}`),
});
const entries = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => entry(from + i));
const BUCKET = 'tally-log';
const PREFIX = 'mirror/';

describe('[publish.s3] against s3rver', () => {
  let s3rver: S3rverProcess;
  let client: S3Client;
  let daemon: DaemonProcess;
  let logId: string;
  const keyPrefix = () => `${PREFIX}logs/${logId}/`;

  const getObject = async (key: string) => {
    const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    return { object, body: Buffer.from(await object.Body!.transformToByteArray()) };
  };
  const s3Checkpoint = async () => {
    try {
      return (await getObject(`${keyPrefix()}checkpoint`)).body.toString();
    } catch {
      return undefined;
    }
  };
  const listKeys = async () => {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: BUCKET, Prefix: keyPrefix(), ContinuationToken: token }),
      );
      keys.push(...(page.Contents ?? []).map((o: _Object) => o.Key!));
      token = page.NextContinuationToken;
    } while (token);
    return keys;
  };

  beforeAll(async () => {
    s3rver = await startS3rver(path.join(tempDir(), 's3rver'));
    client = new S3Client({
      endpoint: s3rver.endpoint,
      forcePathStyle: true,
      region: S3RVER_ENV.AWS_REGION,
      credentials: {
        accessKeyId: S3RVER_ENV.AWS_ACCESS_KEY_ID,
        secretAccessKey: S3RVER_ENV.AWS_SECRET_ACCESS_KEY,
      },
    });
    const config = testConfig(
      `metrics_listen = "127.0.0.1:0"\n[publish.s3]\nbucket = "${BUCKET}"\nprefix = "${PREFIX}"\n` +
        `endpoint = "${s3rver.endpoint}"\nforce_path_style = true\n`,
    );
    // Credentials and region from the environment, as the SDK's default chain reads them.
    Object.assign(process.env, S3RVER_ENV);
    daemon = await startDaemonProcess({ stateDir: path.join(tempDir(), 'state'), config });
    logId = (await daemon.publicClient().listLogs({})).logs[0]!.logId;
  });
  afterAll(async () => {
    expect(await daemon?.stop()).toBe(0);
    client?.destroy();
    await s3rver?.stop();
  });

  it('retries while the bucket is missing, and never fails a submission for it', async () => {
    const { results } = await daemon.adminClient().submit({ logId: '', entries: entries(0, 5) });
    expect(results).toHaveLength(5);
    await pollUntil(
      'the failure in metrics',
      async () => {
        const text = await (await fetch(`http://${daemon.metrics}/metrics`)).text();
        return text.includes('tally_static_copy_failing{target="s3"} 1');
      },
      { intervalMs: 20 },
    );
    expect(daemon.output()).toMatch(
      /static publishing failed.*NoSuchBucket|NoSuchBucket.*static publishing failed/,
    );
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  });

  it('uploads every object the daemon serves, with its headers, checkpoint last, and they verify', async () => {
    const sizes = [0, 5];
    for (const count of [300, 1, 251]) {
      await daemon
        .adminClient()
        .submit({ logId: '', entries: entries(sizes.at(-1)!, sizes.at(-1)! + count) });
      sizes.push(sizes.at(-1)! + count);
    }
    const note = await (await fetch(`http://${daemon.http}/logs/${logId}/checkpoint`)).text();
    const publicKey = parsePublicKey((await daemon.publicClient().listLogs({})).logs[0]!.publicKey);
    expect(verifyCheckpoint(note, publicKey).size).toBe(557);
    await pollUntil('the checkpoint in the bucket', async () => (await s3Checkpoint()) === note, {
      intervalMs: 20,
    });

    const expected = expectedStaticFiles(entries(0, 557), sizes, note);
    const keys = await listKeys();
    expect(keys.map((k) => k.slice(keyPrefix().length)).sort()).toEqual([...expected.keys()].sort());
    for (const [file, bytes] of expected) {
      const { object, body } = await getObject(keyPrefix() + file);
      expect(body.equals(bytes), file).toBe(true);
      const served = await fetch(`http://${daemon.http}/logs/${logId}/${file}`);
      expect(Buffer.from(await served.arrayBuffer()).equals(body), `${file} as served`).toBe(true);
      expect(object.ContentType).toBe(served.headers.get('content-type'));
      expect(object.CacheControl).toBe(served.headers.get('cache-control'));
    }
    // The bucket alone is the log: read through the SDK, it verifies up to the signed root.
    const fromBucket: LogResourceSource = {
      get: async (resource) => (await getObject(keyPrefix() + logResourcePath(resource))).body,
    };
    const signed = verifyCheckpoint(Buffer.from(await fromBucket.get({ kind: 'checkpoint' })), publicKey);
    const verifier = new TiledLogVerifier({ size: signed.size, root: signed.logRoot }, fromBucket);
    await verifier.verifyRoot();
    for (let i = 0; i < signed.size; i++) {
      expect((await verifier.entry(i)).key.equals(entry(i).key)).toBe(true);
      expect((await verifier.value(i)).equals(entry(i).value)).toBe(true);
    }
    const { object } = await getObject(`${keyPrefix()}checkpoint`);
    expect(object.CacheControl).toBe('public, max-age=2');
    expect(object.ContentType).toBe('text/plain; charset=utf-8');
    const text = await (await fetch(`http://${daemon.metrics}/metrics`)).text();
    expect(text).toContain('tally_static_copy_failing{target="s3"} 0');
  });
});
