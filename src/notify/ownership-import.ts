/**
 * The initial state of ownership and membership, from JSON Lines (an export of the package database
 * and the account system):
 *
 *   {"package": "kernel", "owner": "jforbes", "comaintainers": ["jwboyer", "labbott"]}
 *   {"group": "packager", "members": ["alice", "bob"]}
 *
 * Each line replaces what is known of that package or group; the file is checked whole first and
 * imported in one transaction, so a bad line imports nothing and importing again changes nothing.
 */
import { OwnershipImportError } from './errors.js';
import type { NotifyStore, OwnershipImport } from './store/index.js';
import { isAccountName, isPackageName } from './validate.js';

export interface ImportCounts {
  readonly packages: number;
  readonly owners: number;
  readonly comaintainers: number;
  readonly groups: number;
  readonly members: number;
}

const MAX_REPORTED = 10;

type Entry = OwnershipImport['packages'][number] | OwnershipImport['groups'][number];

function parseLine(line: string): Entry | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return `not JSON (${(error as Error).message})`;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const entry = value as Record<string, unknown>;
  const names = (key: string): string[] | string => {
    const list = entry[key] ?? [];
    if (!Array.isArray(list)) return `"${key}" must be a list of account names`;
    const bad = list.find((item) => !isAccountName(item));
    return bad === undefined ? (list as string[]) : `"${key}" has ${JSON.stringify(bad)}, not an account name`;
  };
  if ('package' in entry) {
    if (!isPackageName(entry['package'])) return `"package" ${JSON.stringify(entry['package'])} is not a package name`;
    const owner = entry['owner'] === 'orphan' || entry['owner'] === undefined ? null : entry['owner'];
    if (owner !== null && !isAccountName(owner)) return `"owner" ${JSON.stringify(owner)} is not an account name (or null, or "orphan")`;
    const comaintainers = names('comaintainers');
    if (typeof comaintainers === 'string') return comaintainers;
    return { package: entry['package'], owner, comaintainers: comaintainers.filter((user) => user !== 'orphan') };
  }
  if ('group' in entry) {
    if (!isAccountName(entry['group'])) return `"group" ${JSON.stringify(entry['group'])} is not a group name`;
    const members = names('members');
    if (typeof members === 'string') return members;
    return { group: entry['group'], members };
  }
  return 'has neither "package" nor "group"';
}

/** Parses and checks a whole file; throws OwnershipImportError naming the bad lines. */
export function parseOwnership(jsonl: string): OwnershipImport {
  const packages = new Map<string, OwnershipImport['packages'][number]>();
  const groups = new Map<string, OwnershipImport['groups'][number]>();
  const problems: string[] = [];
  jsonl.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    const entry = parseLine(line);
    if (typeof entry === 'string') problems.push(`line ${index + 1}: ${entry}`);
    else if ('package' in entry) packages.set(entry.package, entry); // a later line for the same package wins
    else groups.set(entry.group, entry);
  });
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_REPORTED).join('; ');
    const more = problems.length > MAX_REPORTED ? ` (and ${problems.length - MAX_REPORTED} more)` : '';
    throw new OwnershipImportError(`nothing imported: ${problems.length} bad line(s): ${shown}${more}`);
  }
  return { packages: [...packages.values()], groups: [...groups.values()] };
}

export async function importOwnership(store: NotifyStore, jsonl: string): Promise<ImportCounts> {
  const entries = parseOwnership(jsonl);
  await store.replaceOwnership(entries);
  return {
    packages: entries.packages.length,
    owners: entries.packages.filter((entry) => entry.owner !== null).length,
    comaintainers: entries.packages.reduce((sum, entry) => sum + new Set(entry.comaintainers.filter((user) => user !== entry.owner)).size, 0),
    groups: entries.groups.length,
    members: entries.groups.reduce((sum, entry) => sum + new Set(entry.members).size, 0),
  };
}
