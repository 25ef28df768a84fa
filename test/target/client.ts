/**
 * Test helpers for the demo target: a tiny JSON client over global fetch and a controllable clock.
 */

/** `CallResult` is what `call` returns: the status and the parsed JSON body (or the raw text if it is not JSON). */
export interface CallResult {
  readonly status: number;
  // Tests read arbitrary fields of the reply; `any` keeps assertions short.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
}

/**
 * `call` sends one request to the target. An object body is sent as JSON; a string body is sent as-is
 * (to test malformed input).
 */
export async function call(baseUrl: string, method: string, path: string, body?: unknown): Promise<CallResult> {
  const init: RequestInit = { method, headers: { 'content-type': 'application/json' } };
  if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
  const res = await fetch(`${baseUrl}${path}`, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text: some endpoints send garbage on purpose
  }
  return { status: res.status, body: parsed };
}

/** `ManualClock` is a clock that only moves when told to. */
export class ManualClock {
  ms: number;
  constructor(startMs = Date.UTC(2024, 0, 1)) {
    this.ms = startMs;
  }
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}
