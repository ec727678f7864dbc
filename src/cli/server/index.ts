export { startServer } from './server.js';
export type { RunningServer } from './server.js';
