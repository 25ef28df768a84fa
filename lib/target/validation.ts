/**
 * The demo target's one shape for "your body is wrong": 400 with the offending fields named, so a
 * workload author sees at once which field their generator got wrong.
 */
import type { z } from 'zod';
import { json } from './router.ts';
import type { JsonReply } from './router.ts';

/**
 * `invalidBody` turns a zod error into 400 `{ error: "invalid body", fields, issues }`: `fields` lists
 * the offending paths (e.g. `["itemId", "meta.resolution"]`), `issues` one `"<path>: <message>"` each.
 */
export function invalidBody(error: z.ZodError): JsonReply {
  const paths = error.issues.map((i) => i.path.map(String).join('.') || '(root)');
  return json(400, {
    error: 'invalid body',
    fields: [...new Set(paths)],
    issues: error.issues.map((issue, i) => `${paths[i] ?? '(root)'}: ${issue.message}`),
  });
}

/** `invalidField` is the same reply for a rule checked outside a schema (e.g. "required when closed"). */
export function invalidField(field: string, message: string): JsonReply {
  return json(400, { error: 'invalid body', fields: [field], issues: [`${field}: ${message}`] });
}
