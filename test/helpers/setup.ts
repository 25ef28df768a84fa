// Shared vitest setup: domain matchers are registered here as they appear.
export {};
