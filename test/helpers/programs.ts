/** Programs the end-to-end tests run: missing is a failure that says how to install, never a skip. */
import { existsSync } from 'node:fs';

export function requireProgram(path: string, install: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing: ${install} (bash .ci/run installs what the tests need)`);
}
