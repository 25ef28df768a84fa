import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ObjectStore } from '../../../lib/adapters/aws/s3-object-store.ts';
import { startAwsEmulators } from '../../helpers/aws-emulators.ts';
import type { AwsEmulators } from '../../helpers/aws-emulators.ts';

describe('Class: S3ObjectStore (fauxqs)', () => {
  let aws: AwsEmulators;
  let store: S3ObjectStore;
  beforeAll(async () => {
    aws = await startAwsEmulators();
    // Pages of 2 keys so listing 5 really pages.
    store = new S3ObjectStore({ client: aws.clients.s3, bucket: aws.bucket, listPageSize: 2 });
  });
  afterAll(async () => {
    await aws?.stop();
  });

  describe('HAPPY PATH', () => {
    it('stores text with its content type and reads it back', async () => {
      await store.put('runs/r1/report.json', '{"ok":true,"name":"café"}', 'application/json');
      expect(await store.get('runs/r1/report.json')).toBe('{"ok":true,"name":"café"}');
      const head = await aws.clients.s3.send(new HeadObjectCommand({ Bucket: aws.bucket, Key: 'runs/r1/report.json' }));
      expect(head.ContentType).toBe('application/json');
    });

    it('stores bytes', async () => {
      await store.put('runs/r1/events.csv', new TextEncoder().encode('at,unit\n1,u-0\n'), 'text/csv');
      expect(await store.get('runs/r1/events.csv')).toBe('at,unit\n1,u-0\n');
    });

    it('lists every key under a prefix, across pages', async () => {
      const keys = ['a', 'b', 'c', 'd', 'e'].map((name) => `runs/r2/events/${name}.csv`);
      for (const key of keys) await store.put(key, key, 'text/csv');
      await store.put('runs/r20/other.csv', 'x', 'text/csv');
      const firstPage = await aws.clients.s3.send(new ListObjectsV2Command({ Bucket: aws.bucket, Prefix: 'runs/r2/', MaxKeys: 2 }));
      expect(firstPage.IsTruncated).toBe(true);
      expect((await store.list('runs/r2/')).sort()).toEqual(keys);
      expect(await store.list('runs/none/')).toEqual([]);
    });

    it('names objects with s3:// URIs', () => {
      expect(store.uri('runs/r1/report.html')).toBe(`s3://${aws.bucket}/runs/r1/report.html`);
    });
  });

  describe('SAD PATH', () => {
    it('reads a missing key as undefined', async () => {
      expect(await store.get('runs/missing.json')).toBeUndefined();
    });
  });
});

describe('Class: S3ObjectStore (mocked S3)', () => {
  it('lets AccessDenied through instead of reading it as a missing key', async () => {
    const client = new S3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const mock = mockClient(client);
    const denied = new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' });
    mock.on(GetObjectCommand).rejects(denied);
    await expect(new S3ObjectStore({ client, bucket: 'b' }).get('k')).rejects.toThrow('Access Denied');
    mock.restore();
  });
});
