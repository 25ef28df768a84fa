import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ObjectStore } from '../../core/fleet/ports.ts';
import { isAwsError } from './retry.ts';

/** Options of `S3ObjectStore`. */
export interface S3ObjectStoreOptions {
  /** S3 client; build it with `awsClients()`. */
  readonly client: S3Client;
  readonly bucket: string;
  /** ListObjectsV2 page size (`MaxKeys`); undefined = S3's 1000. Small values exercise paging in tests. */
  readonly listPageSize?: number | undefined;
}

/**
 * `S3ObjectStore` keeps report and event files in one bucket. Encryption is left to the bucket's
 * default (set by the stack), so objects follow whatever key policy the deployment chose.
 *
 * @example
 * const reports = new S3ObjectStore({ client: awsClients().s3, bucket: process.env.REPORT_BUCKET! });
 * await reports.put(`runs/${runId}/report.json`, JSON.stringify(report), 'application/json');
 */
export class S3ObjectStore implements ObjectStore {
  private readonly client: S3Client;
  private readonly bucket: string;
  private readonly pageSize: number | undefined;

  constructor(options: S3ObjectStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.pageSize = options.listPageSize;
  }

  async put(key: string, body: string | Uint8Array, contentType: string): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  /** The object as UTF-8 text, or undefined when there is no such key. */
  async get(key: string): Promise<string | undefined> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body ? await out.Body.transformToString('utf8') : '';
    } catch (error) {
      // Without s3:ListBucket permission S3 answers a missing key with AccessDenied, which must surface.
      if (isAwsError(error, 'NoSuchKey')) return undefined;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const out = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token, MaxKeys: this.pageSize }));
      for (const object of out.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return keys;
  }

  uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }
}
