// The engine's version, checked against plugins' `engine` ranges. A test keeps it equal to package.json.

export const ENGINE_VERSION = '0.1.0';
