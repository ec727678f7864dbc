/**
 * The applications' schemas: the build system (Koji), the package database, the account system
 * (FAS/Noggin), the update system (Bodhi), source control (dist-git) and the mirror manager. Each
 * is a JSON Schema for the body plus the facts derived from it; Python publishers' schema names
 * (`koji_fedoramessaging.build.BuildStateChangeV1`, `bodhi.update.comment.v1`,
 * `noggin.user.create.v1`…) are names or aliases of these, and legacy fedmsg messages find theirs by
 * topic. `createSchemaCatalog()` gives the registry with all of them and the topic index.
 */
import { SchemaRegistry } from '../message/index.js';
import type { AppSchema } from './app-schema.js';
import { SchemaCatalog } from './catalog.js';
import { buildsysSchemas } from './buildsys/index.js';
import { pkgdbSchemas } from './pkgdb/index.js';
import { accountsSchemas } from './accounts/index.js';
import { updatesSchemas } from './updates/index.js';
import { gitSchemas } from './git/index.js';
import { mirrorsSchemas } from './mirrors/index.js';
import { tidingsSchemas } from './tidings/index.js';

export type { AppSchema } from './app-schema.js';
export { SchemaCatalog } from './catalog.js';
export type { ChosenSchema, SchemaChoice } from './catalog.js';
export { relativeTopic } from './words.js';
export { buildsysSchemas, pkgdbSchemas, accountsSchemas, updatesSchemas, gitSchemas, mirrorsSchemas, tidingsSchemas };

/** Every application schema, grouped by application in this order. */
export const appSchemas: readonly AppSchema[] = Object.freeze([
  ...buildsysSchemas,
  ...pkgdbSchemas,
  ...accountsSchemas,
  ...updatesSchemas,
  ...gitSchemas,
  ...mirrorsSchemas,
]);

/** Every schema a Tidings process knows: the applications' and Tidings' own (management events). */
export const knownSchemas: readonly AppSchema[] = Object.freeze([...appSchemas, ...tidingsSchemas]);

/**
 * A registry that knows the base schema and every application and Tidings schema, by name and
 * alias, and reads a message that names no schema with its topic's (see catalog.ts).
 */
export function createSchemaRegistry(): SchemaRegistry {
  return new SchemaCatalog(knownSchemas).registry;
}

/** The registry of every known schema plus the topic index (see catalog.ts). */
export function createSchemaCatalog(): SchemaCatalog {
  return new SchemaCatalog(knownSchemas);
}
