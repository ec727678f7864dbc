export { EmbeddedManagementSource } from './source.js';
export type { EmbeddedManagementSourceOptions } from './source.js';
