// The dagrun CLI as a function, so tests and other tools can drive it in-process.

export { main, type Io } from './cli.js';
