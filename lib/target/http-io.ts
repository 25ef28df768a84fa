/**
 * Low-level HTTP reading and writing for the demo target: capped body reads and reply writing that is
 * safe when the client has already gone.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Reply } from './router.ts';

/** `MAX_BODY_BYTES` is the largest request body the target reads (1 MiB); larger gets 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** `BodyTooLargeError` is thrown by `readBody` when a body exceeds its limit. */
export class BodyTooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`request body exceeds ${limit} bytes`);
    this.name = 'BodyTooLargeError';
    this.limit = limit;
  }
}

/**
 * `readBody` reads a request body as UTF-8 text, up to `limit` bytes. It rejects with
 * `BodyTooLargeError` as soon as the limit is passed (and on a declared Content-Length above it,
 * before reading anything), and with the stream's error if the client aborts.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    // 'close' without 'end' means the client went away mid-body.
    const onClose = (): void => {
      cleanup();
      reject(new Error('request closed before its body was read'));
    };
    const cleanup = (): void => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    };
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/** `parseJson` parses text as JSON; `undefined` stands for "malformed" (an empty body is malformed too). */
export function parseJson(text: string): { readonly value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

/**
 * `writeReply` sends a reply and calls `onHead` with the status once the head is written (that is
 * when the stats count it). It does nothing if the response can no longer be written.
 */
export async function writeReply(res: ServerResponse, reply: Reply, signal: AbortSignal, onHead: (status: number) => void): Promise<void> {
  if (res.headersSent || res.destroyed) return;
  if ('json' in reply) {
    const body = JSON.stringify(reply.json);
    res.writeHead(reply.status, { ...reply.headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    onHead(reply.status);
    res.end(body);
  } else if ('text' in reply) {
    res.writeHead(reply.status, { 'content-length': Buffer.byteLength(reply.text), ...reply.headers });
    onHead(reply.status);
    res.end(reply.text);
  } else {
    res.writeHead(reply.status, { ...reply.headers });
    res.flushHeaders();
    onHead(reply.status);
    try {
      await reply.write(res, signal);
    } finally {
      if (!res.destroyed) res.end();
    }
  }
}
