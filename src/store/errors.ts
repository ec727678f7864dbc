import { TidingsError } from '../message/index.js';

/** The database could not be opened or migrated, or went away. */
export class StoreError extends TidingsError {
  readonly code = 'STORE_FAILED';
}
