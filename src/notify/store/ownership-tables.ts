/**
 * Who owns or co-maintains which package, and who is in which group: the facts behind "my packages"
 * and group rules. Written by the ownership tracker (the bus) and the import; each change is logged
 * in the feed by package or group name, so the matcher updates just that part of its index.
 */
import type { Transaction } from 'kysely';
import type { GroupMembership, PackageOwnership } from '../model.js';
import type { NotifyDb, ChangeKind } from './notify-store.js';
import type { NotifyTables } from './tables.js';

type Db = NotifyDb | Transaction<NotifyTables>;
type LogChange = (db: Db, kind: ChangeKind, key: string) => Promise<void>;

export interface OwnershipImport {
  readonly packages: readonly { readonly package: string; readonly owner: string | null; readonly comaintainers: readonly string[] }[];
  readonly groups: readonly { readonly group: string; readonly members: readonly string[] }[];
}

const CHUNK = 500;

export class OwnershipTables {
  constructor(
    private readonly db: NotifyDb,
    private readonly logChange: LogChange,
  ) {}

  /** `user` becomes the owner; a previous owner stays on as a co-maintainer (their ACLs remain). */
  async setOwner(pkg: string, user: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('notify_package_owners').set({ role: 'comaintainer' }).where('package', '=', pkg).where('role', '=', 'owner').where('username', '!=', user).execute();
      await trx
        .insertInto('notify_package_owners')
        .values({ package: pkg, username: user, role: 'owner' })
        .onConflict((conflict) => conflict.columns(['package', 'username']).doUpdateSet({ role: 'owner' }))
        .execute();
      await this.logChange(trx, 'package', pkg);
    });
  }

  /** The package has no owner any more (orphaned); co-maintainers stay. */
  async removeOwner(pkg: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('notify_package_owners').where('package', '=', pkg).where('role', '=', 'owner').execute();
      await this.logChange(trx, 'package', pkg);
    });
  }

  /** Adds a co-maintainer; an owner stays owner. */
  async addComaintainer(pkg: string, user: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('notify_package_owners')
        .values({ package: pkg, username: user, role: 'comaintainer' })
        .onConflict((conflict) => conflict.columns(['package', 'username']).doNothing())
        .execute();
      await this.logChange(trx, 'package', pkg);
    });
  }

  /** Removes a co-maintainer; the owner is not removed this way. */
  async removeComaintainer(pkg: string, user: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('notify_package_owners').where('package', '=', pkg).where('username', '=', user).where('role', '=', 'comaintainer').execute();
      await this.logChange(trx, 'package', pkg);
    });
  }

  /** Nobody owns or co-maintains the package any more (retired, deleted). */
  async removePackage(pkg: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('notify_package_owners').where('package', '=', pkg).execute();
      await this.logChange(trx, 'package', pkg);
    });
  }

  async ownersOf(pkg: string): Promise<PackageOwnership[]> {
    const rows = await this.db.selectFrom('notify_package_owners').selectAll().where('package', '=', pkg).orderBy('role', 'desc').orderBy('username').execute();
    return rows.map((row) => ({ package: row.package, user: row.username, role: row.role }));
  }

  async packagesOf(user: string): Promise<PackageOwnership[]> {
    const rows = await this.db.selectFrom('notify_package_owners').selectAll().where('username', '=', user).orderBy('package').execute();
    return rows.map((row) => ({ package: row.package, user: row.username, role: row.role }));
  }

  async addMember(group: string, user: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('notify_group_members').values({ group_name: group, username: user }).onConflict((conflict) => conflict.columns(['group_name', 'username']).doNothing()).execute();
      await this.logChange(trx, 'group', group);
    });
  }

  async removeMember(group: string, user: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('notify_group_members').where('group_name', '=', group).where('username', '=', user).execute();
      await this.logChange(trx, 'group', group);
    });
  }

  /** Everything known, for building the matcher's index at start. */
  async allOwners(): Promise<PackageOwnership[]> {
    const rows = await this.db.selectFrom('notify_package_owners').selectAll().execute();
    return rows.map((row) => ({ package: row.package, user: row.username, role: row.role }));
  }

  async allMembers(): Promise<GroupMembership[]> {
    const rows = await this.db.selectFrom('notify_group_members').selectAll().execute();
    return rows.map((row) => ({ group: row.group_name, user: row.username }));
  }

  async membersOf(group: string): Promise<GroupMembership[]> {
    const rows = await this.db.selectFrom('notify_group_members').selectAll().where('group_name', '=', group).orderBy('username').execute();
    return rows.map((row) => ({ group: row.group_name, user: row.username }));
  }

  async groupsOf(user: string): Promise<GroupMembership[]> {
    const rows = await this.db.selectFrom('notify_group_members').selectAll().where('username', '=', user).orderBy('group_name').execute();
    return rows.map((row) => ({ group: row.group_name, user: row.username }));
  }

  /**
   * Replaces what is known of the listed packages and groups (others are left alone), in one
   * transaction: importing the same file twice gives the same state. One `*` change per kind tells
   * the matcher to reload rather than follow thousands of entries.
   */
  async replace(entries: OwnershipImport): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (let start = 0; start < entries.packages.length; start += CHUNK) {
        const chunk = entries.packages.slice(start, start + CHUNK);
        await trx.deleteFrom('notify_package_owners').where('package', 'in', chunk.map((entry) => entry.package)).execute();
        const rows = chunk.flatMap((entry) => {
          const owner = entry.owner === null ? [] : [{ package: entry.package, username: entry.owner, role: 'owner' as const }];
          const others = [...new Set(entry.comaintainers)].filter((user) => user !== entry.owner);
          return [...owner, ...others.map((username) => ({ package: entry.package, username, role: 'comaintainer' as const }))];
        });
        if (rows.length > 0) await trx.insertInto('notify_package_owners').values(rows).execute();
      }
      for (let start = 0; start < entries.groups.length; start += CHUNK) {
        const chunk = entries.groups.slice(start, start + CHUNK);
        await trx.deleteFrom('notify_group_members').where('group_name', 'in', chunk.map((entry) => entry.group)).execute();
        const rows = chunk.flatMap((entry) => [...new Set(entry.members)].map((username) => ({ group_name: entry.group, username })));
        if (rows.length > 0) await trx.insertInto('notify_group_members').values(rows).execute();
      }
      if (entries.packages.length > 0) await this.logChange(trx, 'package', '*');
      if (entries.groups.length > 0) await this.logChange(trx, 'group', '*');
    });
  }
}
