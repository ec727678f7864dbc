/**
 * The phrases that say why a notification came ("because you own kernel"). One place, so that the
 * email, the inbox and the preview all say the same thing, and so that tests can name them.
 */
import type { PackageOwnership } from '../model.js';

export const Because = {
  concernsYou: 'it concerns you (you are in its users)',
  ownsPackage: (pkg: string, role: PackageOwnership['role']): string =>
    role === 'owner' ? `you own ${pkg}` : `you co-maintain ${pkg}`,
  followsPackage: (pkg: string): string => `you follow the package ${pkg}`,
  followsUser: (user: string): string => `you follow the user ${user}`,
  followsGroup: (group: string): string => `you follow the group ${group}`,
  /** A followed group the owner is also a member of: the closer tie is the better explanation. */
  memberOfGroup: (group: string): string => `you are a member of the group ${group}`,
  followsApp: (app: string): string => `you follow the application ${app}`,
  topicMatches: (pattern: string): string => `the topic matches ${pattern}`,
} as const;
