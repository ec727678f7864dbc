/**
 * What every package-database message is about, wherever its body keeps it: the package (under
 * `package_listing`, `package_listings`, `package`, an ACL's `packagelist`, a request's `info` or an
 * admin action), the people (the agent, an ACL's holder, the `username` acted on) and the branch.
 * One set of rules for all events, as the package database's bodies share their pieces.
 */
import type { Message } from '../../message/index.js';
import { at, isObject, list, nameOf, record, text, type JsonObject } from '../body.js';

export interface PackageRef {
  readonly name: string;
  /** dist-git namespace: `rpms` (the default), `container`/`docker`, `modules`, `flatpaks`… */
  readonly namespace: string;
}

function refOf(pkg: unknown, namespace: unknown = undefined): PackageRef | undefined {
  if (typeof pkg === 'string' && pkg !== '') {
    return { name: pkg, namespace: typeof namespace === 'string' && namespace !== '' ? namespace : 'rpms' };
  }
  if (!isObject(pkg)) return undefined;
  const name = text(pkg, 'name');
  return name ? { name, namespace: text(pkg, 'namespace') ?? 'rpms' } : undefined;
}

function requestRef(info: JsonObject | undefined): PackageRef | undefined {
  const name = text(info, 'pkg_name');
  return name ? { name, namespace: text(info, 'pkg_namespace') ?? text(info, 'namespace') ?? 'rpms' } : undefined;
}

/** Every package the body mentions, in the order the body's pieces are looked at. */
export function packageRefs(m: Message): PackageRef[] {
  const b = m.body;
  const refs: (PackageRef | undefined)[] = [
    refOf(at(b, 'package_listing', 'package')),
    ...list(b, 'package_listings').map((listing) => refOf(at(listing, 'package'))),
    refOf(b['package'], b['namespace']),
    refOf(at(b, 'acl', 'packagelist', 'package')),
    requestRef(record(b, 'info')),
    requestRef(record(b, 'action', 'info')),
    refOf(at(b, 'action', 'package')),
  ];
  return refs.filter((ref): ref is PackageRef => ref !== undefined);
}

/** The package a message is about: the first one its body names. */
export function mainPackage(m: Message): PackageRef | undefined {
  return packageRefs(m)[0];
}

/** `rpms/php-zmq`, or throws (for summaries) when the body names no package. */
export function packagePath(m: Message): string {
  const ref = mainPackage(m);
  if (!ref) throw new Error('the body names no package');
  return `${ref.namespace}/${ref.name}`;
}

const NAMESPACE_FACT: Readonly<Record<string, 'packages' | 'containers' | 'modules' | 'flatpaks'>> = {
  rpms: 'packages',
  'rpms-checks': 'packages',
  container: 'containers',
  docker: 'containers',
  modules: 'modules',
  flatpaks: 'flatpaks',
};

/** The names of the mentioned packages whose namespace makes them `fact` (rpms are packages, docker ones containers…). */
export function namesIn(fact: 'packages' | 'containers' | 'modules' | 'flatpaks'): (m: Message) => string[] {
  return (m) => packageRefs(m).filter((ref) => NAMESPACE_FACT[ref.namespace] === fact).map((ref) => ref.name);
}

/** The agent; old messages sent it as a one-element list. */
export function agentOf(m: Message): string | undefined {
  return nameOf(m.body['agent']);
}

/** The agent, an ACL's holder and the account acted on; `orphan` is a placeholder, not a person. */
export function people(m: Message): string[] {
  const acl = m.body['acl'];
  const found = [agentOf(m), isObject(acl) ? text(acl, 'fas_name') : undefined, text(m.body, 'username')];
  return found.filter((name): name is string => name !== undefined && name !== 'orphan');
}

/** The branch of the package listing the body is about. */
export function branchOf(m: Message): string {
  return text(m.body, 'package_listing', 'collection', 'branchname') ?? 'unknown branch';
}

const PKGDB = 'https://admin.fedoraproject.org/pkgdb';

/** The package's page in the package database, when the message is about a package. */
export function packageUrl(m: Message): string | null {
  const ref = mainPackage(m);
  return ref ? `${PKGDB}/package/${ref.namespace}/${ref.name}/` : null;
}
