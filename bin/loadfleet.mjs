#!/usr/bin/env node
/**
 * The `loadfleet` command (package.json `bin`, `npm start`, `npm run loadfleet`): runs the TypeScript
 * CLI, bin/loadfleet.ts, in THIS Node process, with tsx's loader registered in-process.
 *
 * Why one process: the former launcher (`#!/usr/bin/env -S npx tsx`) made `npx loadfleet` a chain of
 * npx -> sh -> npx -> sh -> the tsx CLI -> node. A signal to the npx at the top never reached node
 * (npx exited 143 and left node running, orphaned); a signal to the process group reached node twice
 * (directly, and relayed by the tsx CLI), and the tsx CLI SIGKILLs a child that does not acknowledge a
 * relayed signal within 30 ms, which lost report.json under load. Here `node` is the process that
 * runs the load, so every signal it is sent is handled once, by lib/cli/signals.ts.
 *
 * Which node: `#!/usr/bin/env node` takes the first `node` on PATH. npx and npm scripts put
 * node_modules/.bin first, where the `node` devDependency is the project's pinned Node 24; started
 * another way, an older Node is told what to do instead of failing somewhere inside.
 *
 * The bundle (`npm run build`, dist/loadfleet.mjs) needs none of this: it is plain JavaScript.
 */
const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `error: loadfleet needs Node.js 22.12 or later, and this is ${process.version} (${process.execPath}).\n` +
      'Run it from the repository with `npx loadfleet ...` or `npm run loadfleet -- ...`: both use the project\'s Node 24.\n',
  );
  process.exit(2);
}
// Imported only now, so an old Node gets the message above rather than an import error.
const { register } = await import('tsx/esm/api');
register();
await import('./loadfleet.ts');
