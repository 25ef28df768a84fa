import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deployedFleet } from '../../lambdas/shared/fleet-deps.ts';
import { HttpTransportError } from '../../lib/core/errors.ts';
import { startRecordingTarget, type RecordingTarget } from '../helpers/recording-target.ts';

let target: RecordingTarget;
beforeAll(async () => {
  target = await startRecordingTarget('127.0.0.1');
  // What the stack hands every fleet Lambda; no AWS call is made (the clients are only built).
  vi.stubEnv('TABLE_NAME', 't');
  vi.stubEnv('QUEUE_URL', 'http://127.0.0.1:9/q');
  vi.stubEnv('BUCKET_NAME', 'b');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('ALLOWED_HOSTS', '["api.loadfleet.test"]');
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await target.close();
});

describe('Function: deployedFleet', () => {
  it('gives the fleet HTTP clients that check every address against the stack\'s allowlist (loopback not listed: refused)', async () => {
    // Act
    const http = deployedFleet().http();
    const error = await http.send({ method: 'GET', origin: target.origin, path: '/x', headers: {}, timeoutMs: 2000, readBody: false }).catch((e: unknown) => e);
    await http.close();

    // Assess
    expect(error).toBeInstanceOf(HttpTransportError);
    expect((error as HttpTransportError).message).toBe('refused: 127.0.0.1, a loopback address not on the allowlist (list the address itself in loadfleet.allowedHosts if you own it)');
    expect(target.connections).toBe(0);
  });
});
