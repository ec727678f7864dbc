import { TidingsError } from '../message/index.js';

/** The queue or connection an action names does not exist. */
export class ManageNotFoundError extends TidingsError {
  readonly code = 'MANAGE_NOT_FOUND';
}

/** A guarded action's guard did not hold (a queue not empty, in use, an invalid selection…). */
export class ManageRefusedError extends TidingsError {
  readonly code = 'MANAGE_REFUSED';
}

/** The caller's role does not allow the action. */
export class ManageForbiddenError extends TidingsError {
  readonly code = 'MANAGE_FORBIDDEN';
}

/** The broker's management interface could not be reached or answered with an error. */
export class ManageUnavailableError extends TidingsError {
  readonly code = 'MANAGE_UNAVAILABLE';
}
