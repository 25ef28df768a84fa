// Shared vitest setup (runs before each test file's imports).
// The Lambda handlers log JSON lines through Powertools; tests assert on state, not on log lines.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
export {};
