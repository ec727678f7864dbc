/**
 * The package database: packages created, updated, retired and deleted; owners (points of contact)
 * and ACLs (commit, watch, approve) changed; branches created and requested; the critical path.
 * Bodies are pkgdb2's (and pkgdb1's where they differ); facts come from ./facts.ts.
 */
import type { JsonSchemaObject, Message } from '../../message/index.js';
import { schemaFamily, type AppSchema } from '../app-schema.js';
import { at, list, need, text, texts } from '../body.js';
import { arrayOf, body, boolean, integer, nullable, object, oneShapeOf, string, stringList } from '../json-schema.js';
import { agentOf, branchOf, namesIn, packagePath, packageUrl, people } from './facts.js';

const define = schemaFamily('pkgdb', {
  app: () => 'PkgDB',
  agent: (m) => agentOf(m) ?? null,
  usernames: people,
  packages: namesIn('packages'),
  containers: namesIn('containers'),
  modules: namesIn('modules'),
  flatpaks: namesIn('flatpaks'),
  url: packageUrl,
});

const agent: JsonSchemaObject = { anyOf: [{ type: 'string', minLength: 1 }, { type: 'array', items: string, minItems: 1 }] };
const collection = object({ branchname: string, name: string, version: string, dist_tag: string, koji_name: nullable(string), status: string });
const pkg = object({ name: string, namespace: string, summary: nullable(string), description: nullable(string), status: string }, ['name']);
const listing = object({ package: pkg, collection, point_of_contact: string, owner: string, status: string, critpath: boolean }, ['package']);
const packageNamed = oneShapeOf(string, pkg);

interface PkgdbEvent {
  readonly topic: string;
  readonly description: string;
  readonly properties: Record<string, JsonSchemaObject>;
  /** Required besides `agent`. */
  readonly required: readonly string[];
  readonly example: Record<string, unknown>;
  readonly summary: (m: Message, who: string) => string;
}

function pkgdbSchema(spec: PkgdbEvent): AppSchema {
  return define({
    name: `${spec.topic}.v1`,
    description: spec.description,
    topics: [spec.topic],
    bodySchema: body(spec.description, { agent, ...spec.properties }, ['agent', ...spec.required]),
    example: spec.example,
    summary: (m) => spec.summary(m, need(agentOf(m), 'agent')),
  });
}

const rawhide = { branchname: 'rawhide', name: 'Fedora', version: 'devel' };

const exampleListing = {
  package: { name: 'python-httpx', namespace: 'rpms', summary: 'A next-generation HTTP client' },
  collection: { branchname: 'f41', name: 'Fedora', version: '41' },
  point_of_contact: 'alice',
  status: 'Approved',
};

/** Flags as pkgdb's own messages wrote them (Python's True/False). */
const rendered = (value: unknown): string => (typeof value === 'boolean' ? (value ? 'True' : 'False') : String(value));

const events: PkgdbEvent[] = [
  {
    topic: 'pkgdb.package.new',
    description: 'A package was added to the package database.',
    properties: { package_listing: listing },
    required: ['package_listing'],
    example: { agent: 'alice', package_listing: exampleListing },
    summary: (m, who) => `${who} added a new package '${packagePath(m)}' (${branchOf(m)})`,
  },
  {
    topic: 'pkgdb.package.update',
    description: "A package's information (summary, description, URLs…) was updated.",
    properties: { package: packageNamed, package_listing: listing, fields: stringList },
    required: [],
    example: { agent: 'alice', package: { name: 'python-httpx', namespace: 'rpms' }, fields: ['summary', 'upstream_url'] },
    summary: (m, who) =>
      'fields' in m.body
        ? `${who} updated: ${texts(m.body, 'fields').join(', ')} of ${packagePath(m)}`
        : `${who} made some updates to ${packagePath(m)}`,
  },
  {
    topic: 'pkgdb.package.update.status',
    description: 'The status of a package on a branch changed (approved, orphaned, retired…).',
    properties: { package_listing: listing, status: string, prev_status: string, package_name: string },
    required: ['status'],
    example: { agent: 'alice', package_listing: exampleListing, package_name: 'python-httpx', prev_status: 'Approved', status: 'Orphaned' },
    summary: (m, who) => {
      const previous = text(m.body, 'prev_status');
      const status = text(m.body, 'status');
      let verb = 'made some updates to';
      for (const [state, undo, done] of [['Orphaned', 'unorphaned', 'orphaned'], ['Retired', 'unretired', 'retired']] as const) {
        if (previous === state && status !== state) verb = undo;
        else if (previous !== state && status === state) verb = done;
      }
      const branch = text(m.body, 'package_listing', 'collection', 'branchname');
      return `${who} ${verb} ${packagePath(m)}${branch ? ` in ${branch}` : ''}`;
    },
  },
  {
    topic: 'pkgdb.package.retire',
    description: 'A package was retired on a branch.',
    properties: { package_listing: listing, retirement: string },
    required: ['package_listing'],
    example: { agent: 'alice', package_listing: exampleListing, retirement: 'retired' },
    summary: (m, who) => `${who} ${text(m.body, 'retirement') ?? 'retired'} ${packagePath(m)} (${branchOf(m)})!`,
  },
  {
    topic: 'pkgdb.package.delete',
    description: 'A package was deleted from the package database.',
    properties: { package: pkg },
    required: ['package'],
    example: { agent: 'alice', package: { name: 'python-httpx', namespace: 'rpms' } },
    summary: (m, who) => `${who} deleted the '${packagePath(m)}' package from the pkgdb`,
  },
  {
    topic: 'pkgdb.owner.update',
    description: "A package's owner (point of contact) changed on a branch.",
    properties: { package_listing: listing },
    required: ['package_listing'],
    example: { agent: 'alice', package_listing: { ...exampleListing, point_of_contact: 'orphan' } },
    summary: (m, who) => {
      const owner = text(m.body, 'package_listing', 'point_of_contact') ?? text(m.body, 'package_listing', 'owner');
      return `${who} changed owner of ${packagePath(m)} (${branchOf(m)}) to '${owner}'`;
    },
  },
  {
    topic: 'pkgdb.acl.update',
    description: "A user's ACL (commit, watchcommits, watchbugzilla, approveacls) on a package changed.",
    properties: { package_listing: listing, acl: string, status: string, username: string },
    required: ['package_listing', 'acl', 'status', 'username'],
    example: { agent: 'alice', package_listing: exampleListing, acl: 'commit', status: 'Approved', username: 'bob' },
    summary: (m, who) =>
      `${who} changed ${text(m.body, 'username')}'s '${text(m.body, 'acl')}' permission on ${packagePath(m)} (${branchOf(m)}) to '${text(m.body, 'status')}'`,
  },
  {
    topic: 'pkgdb.acl.request.toggle',
    description: 'A user requested (or withdrew a request for) an ACL on a package.',
    properties: { package_listing: listing, acl: string, acl_action: string, acl_status: string },
    required: ['package_listing', 'acl', 'acl_action'],
    example: { agent: 'bob', package_listing: exampleListing, acl: 'commit', acl_action: 'requested', acl_status: 'Awaiting Review' },
    summary: (m, who) => `${who} has ${text(m.body, 'acl_action')} '${text(m.body, 'acl')}' on ${packagePath(m)} (${branchOf(m)})`,
  },
  {
    topic: 'pkgdb.acl.user.remove',
    description: "A user's ACLs were removed from a package's branches.",
    properties: { package_listings: arrayOf(listing), username: string, collections: { type: 'array' } },
    required: ['package_listings', 'username'],
    example: { agent: 'alice', username: 'bob', package_listings: [exampleListing] },
    summary: (m, who) => {
      const branches = list(m.body, 'package_listings').map((item) => text(item, 'collection', 'branchname') ?? '?');
      return `${who} removed ${text(m.body, 'username')} from ${packagePath(m)} (${branches.join(', ')})`;
    },
  },
  {
    topic: 'pkgdb.acl.delete',
    description: 'An ACL was deleted from a package.',
    properties: { acl: object({ acl: string, fas_name: string, status: string, packagelist: listing }, ['acl', 'fas_name', 'packagelist']) },
    required: ['acl'],
    example: { agent: 'alice', acl: { acl: 'watchcommits', fas_name: 'bob', status: 'Approved', packagelist: exampleListing } },
    summary: (m, who) =>
      `${who} deleted ${text(m.body, 'acl', 'fas_name')}'s ${text(m.body, 'acl', 'acl')} rights ` +
      `from ${packagePath(m)} (${text(m.body, 'acl', 'packagelist', 'collection', 'branchname')})`,
  },
  {
    topic: 'pkgdb.branch.clone',
    description: "A package's branch was created from another branch.",
    properties: { package: string, namespace: string, branch: string, master: string },
    required: ['package', 'branch'],
    example: { agent: 'alice', package: 'python-httpx', namespace: 'rpms', branch: 'f41', master: 'rawhide' },
    summary: (m, who) => `${who} branched ${packagePath(m)} ${text(m.body, 'branch')} from ${text(m.body, 'master')}`,
  },
  ...(['start', 'complete'] as const).map(
    (phase): PkgdbEvent => ({
      topic: `pkgdb.branch.${phase}`,
      description: phase === 'start' ? 'A mass branching of a collection started.' : 'A mass branching of a collection completed.',
      properties: { collection_from: collection, collection_to: collection },
      required: ['collection_from', 'collection_to'],
      example: { agent: 'releng', collection_from: rawhide, collection_to: { branchname: 'f41', name: 'Fedora', version: '41' } },
      summary: (m, who) => {
        const to = text(m.body, 'collection_to', 'branchname');
        const from = text(m.body, 'collection_from', 'branchname');
        return phase === 'start' ? `${who} started a branch of ${to} from ${from}` : `${who}'s branch of ${to} from ${from} completed`;
      },
    }),
  ),
  {
    topic: 'pkgdb.collection.new',
    description: 'A collection (a release such as Fedora 41) was created.',
    properties: { collection },
    required: ['collection'],
    example: { agent: 'releng', collection: { branchname: 'f41', name: 'Fedora', version: '41' } },
    summary: (m, who) => `${who} created a new collection for ${text(m.body, 'collection', 'name')} ${text(m.body, 'collection', 'version')}`,
  },
  {
    topic: 'pkgdb.collection.update',
    description: 'Fields of a collection were updated.',
    properties: { collection, fields: stringList },
    required: ['collection', 'fields'],
    example: { agent: 'releng', collection: { branchname: 'f41', name: 'Fedora', version: '41' }, fields: ['status'] },
    summary: (m, who) =>
      `${who} updated the following fields of the ${text(m.body, 'collection', 'name')} ${text(m.body, 'collection', 'version')} ` +
      `collection: ${texts(m.body, 'fields').join(', ')}`,
  },
  {
    topic: 'pkgdb.critpath.update',
    description: 'The critical-path status of several package listings changed.',
    properties: { critpath: boolean, package_listing_ids: arrayOf(integer) },
    required: ['critpath'],
    example: { agent: 'releng', critpath: true, package_listing_ids: [4521, 4522] },
    summary: (_m, who) => `${who} altered the critpath status for some packages`,
  },
  {
    topic: 'pkgdb.package.critpath.update',
    description: "A package's critical-path flag was set or unset on some branches.",
    properties: { package: pkg, critpath: boolean, branches: stringList },
    required: ['package', 'critpath'],
    example: { agent: 'releng', package: { name: 'systemd', namespace: 'rpms' }, critpath: true, branches: ['f41'] },
    summary: (m, who) =>
      `${who} ${at(m.body, 'critpath') === true ? 'set' : 'unset'} the critpath flag on the ${packagePath(m)} package (${texts(m.body, 'branches').join(', ')})`,
  },
  {
    topic: 'pkgdb.package.branch.new',
    description: 'A branch was created for a package.',
    properties: { package: pkg, package_listing: listing },
    required: ['package_listing'],
    example: { agent: 'alice', package: exampleListing.package, package_listing: exampleListing },
    summary: (m, who) => `${who} created the branch '${branchOf(m)}' for the package '${packagePath(m)}'`,
  },
  {
    topic: 'pkgdb.package.branch.delete',
    description: "A package's branch was deleted.",
    properties: { package_listing: listing },
    required: ['package_listing'],
    example: { agent: 'alice', package_listing: exampleListing },
    summary: (m, who) => `${who} deleted the ${branchOf(m)} branch of the '${packagePath(m)}' package`,
  },
  {
    topic: 'pkgdb.package.branch.request',
    description: 'A new branch was requested for a package.',
    properties: { package: pkg, collection_to: collection },
    required: ['package', 'collection_to'],
    example: { agent: 'bob', package: { name: 'python-httpx', namespace: 'rpms' }, collection_to: { branchname: 'epel9', name: 'Fedora EPEL', version: '9' } },
    summary: (m, who) => `${who} requested branch ${text(m.body, 'collection_to', 'branchname')} for package ${packagePath(m)}`,
  },
  {
    topic: 'pkgdb.package.new.request',
    description: 'A new package was requested.',
    properties: {
      info: object({ pkg_name: string, pkg_namespace: string, pkg_summary: string, pkg_poc: string }, ['pkg_name']),
      collection,
      package: nullable(pkg),
    },
    required: ['info', 'collection'],
    example: { agent: 'bob', info: { pkg_name: 'python-httpx', pkg_summary: 'A next-generation HTTP client', pkg_poc: 'bob' }, collection: rawhide, package: null },
    summary: (m, who) => `${who} requested package ${packagePath(m)} on branch ${text(m.body, 'collection', 'branchname')}`,
  },
  {
    topic: 'pkgdb.package.unretire.request',
    description: 'Someone asked for a retired package to be unretired on a branch.',
    properties: { package: pkg, collection },
    required: ['package', 'collection'],
    example: { agent: 'bob', package: { name: 'python-httpx', namespace: 'rpms' }, collection: rawhide },
    summary: (m, who) => `${who} asks that ${packagePath(m)} be unretired on ${text(m.body, 'collection', 'branchname')}`,
  },
  {
    topic: 'pkgdb.admin.action.status.update',
    description: 'An administrator decided on a request (a new package, a new branch…).',
    properties: {
      action: object(
        { id: integer, action: string, user: string, status: string, message: nullable(string), collection, info: { type: 'object' }, package: nullable(pkg) },
        ['action', 'user'],
      ),
      old_status: string,
      new_status: string,
    },
    required: ['action', 'new_status'],
    example: {
      agent: 'admin', old_status: 'Awaiting Review', new_status: 'Approved',
      action: { id: 18, action: 'request.package', user: 'bob', status: 'Approved', collection: rawhide, info: { pkg_name: 'python-httpx' }, package: null },
    },
    summary: (m, who) => {
      const kinds: Record<string, string> = { 'request.package': 'package request', 'request.branch': 'branch request' };
      const kind = text(m.body, 'action', 'action') ?? 'request';
      const message = text(m.body, 'action', 'message');
      return (
        `${who} changed ${text(m.body, 'action', 'user')}'s ${kinds[kind] ?? kind} ` +
        `for ${packagePath(m)} in ${text(m.body, 'action', 'collection', 'branchname')} ` +
        `from ${text(m.body, 'old_status')} to ${text(m.body, 'new_status')}${message ? ` with message: ${message}` : ''}`
      );
    },
  },
  ...([['monitor', 'monitor flag'], ['koschei', 'koschei monitoring flag']] as const).map(
    ([flag, label]): PkgdbEvent => ({
      topic: `pkgdb.package.${flag}.update`,
      description: `The ${label} of a package changed (whether ${flag === 'monitor' ? 'new upstream releases are tracked' : 'Koschei test-rebuilds it'}).`,
      properties: { package: pkg, status: { type: ['boolean', 'string'] } },
      required: ['package', 'status'],
      example: { agent: 'alice', package: { name: 'python-httpx', namespace: 'rpms' }, status: true },
      summary: (m, who) => `${who} set the ${label} of ${packagePath(m)} to ${rendered(m.body['status'])}`,
    }),
  ),
];

/** Every package-database schema. */
export const pkgdbSchemas: readonly AppSchema[] = events.map(pkgdbSchema);
