/**
 * The update system (Bodhi): updates requested, commented, pushed, edited; composes; buildroot
 * overrides; errata. Schema names are bodhi-messages' entry points (`bodhi.update.comment.v1`), so
 * messages Bodhi sends today resolve by their header; older fedmsg bodies are read by the same
 * schemas, found by topic.
 */
import { nameOf } from '../body.js';
import { schemaFamily, type AppSchema } from '../app-schema.js';
import { BODHI, bodhiUsernames, updatePackages, updateUrl } from './bodhi.js';
import { updateSchemas } from './update.js';
import { composeAndOtherSchemas } from './compose.js';

const define = schemaFamily('updates', {
  app: () => 'Bodhi',
  agent: (m) => nameOf(m.body['agent']) ?? null,
  usernames: bodhiUsernames,
  packages: updatePackages,
  url: (m) => updateUrl(m) ?? BODHI,
});

/** Every update-system schema. */
export const updatesSchemas: readonly AppSchema[] = [...updateSchemas(define), ...composeAndOtherSchemas(define)];
