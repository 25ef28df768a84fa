import type { ObjectStore } from '../../core/fleet/ports.ts';

/** `MemoryObjectStore` is an in-process `ObjectStore` (tests): objects in a map, keys listed in order. */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, string>();

  constructor(private readonly bucket = 'memory') {}

  async put(key: string, body: string | Uint8Array, _contentType?: string): Promise<void> {
    this.objects.set(key, typeof body === 'string' ? body : new TextDecoder().decode(body));
  }

  async get(key: string): Promise<string | undefined> {
    return this.objects.get(key);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(prefix)).sort();
  }

  uri(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }
}
