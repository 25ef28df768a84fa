import { randomBytes } from 'node:crypto';

/** A run id that sorts by time: `run-20261121-064501-3fa9`. Local runs and fleet runs use the same form. */
export function newRunId(at = new Date()): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `run-${stamp}-${randomBytes(2).toString('hex')}`;
}
