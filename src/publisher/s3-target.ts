import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from '../config/types.js';
import { CHECKPOINT_PATH } from '../tiles/index.js';
import { cacheControlOf, type ResourceBytes } from './log-resources.js';
import type { StaticTarget } from './static-target.js';

/** Per request: a hung server fails the attempt (and the copy retries) rather than stalling it. */
const CONNECT_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 60_000;

/**
 * A static copy in an S3 bucket (`[publish.s3]`): objects `<prefix>logs/<log id>/<path>`, with the
 * Content-Type and Cache-Control the daemon serves them with. A PutObject is atomic (a reader gets
 * the old object or the new) and durable once answered, so sync has nothing left to do; the copy
 * puts the checkpoint only after every object it needs is answered. Credentials and, when not
 * configured, the region come from the AWS SDK's default chain (environment, shared files, roles).
 */
export class S3Target implements StaticTarget {
  readonly kind = 's3';

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly keyPrefix: string,
  ) {}

  static forLog(config: S3Config, logId: string): S3Target {
    const client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS },
    });
    return new S3Target(client, config.bucket, `${config.prefix}logs/${logId}/`);
  }

  get description(): string {
    return `s3://${this.bucket}/${this.keyPrefix}`;
  }

  async readCheckpoint(): Promise<string | undefined> {
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: this.keyPrefix + CHECKPOINT_PATH }),
      );
      return await object.Body!.transformToString('utf8');
    } catch (err) {
      if (err instanceof NoSuchKey) return undefined;
      throw err;
    }
  }

  async write(path: string, bytes: ResourceBytes): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: this.keyPrefix + path,
        Body: bytes.body,
        ContentType: bytes.contentType,
        CacheControl: cacheControlOf(bytes),
      }),
    );
  }

  sync(): Promise<void> {
    return Promise.resolve();
  }
}
