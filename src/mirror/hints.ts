/**
 * Hint paths: "directories from this point downward are likely to have changed". They come from
 * messages, so they are checked before any reaches rsync — relative, inside the module, no `..`,
 * no control characters — and reduced to the smallest set of subtrees that covers them (a path
 * inside another is dropped). Too many, or the root itself, means the whole tree.
 */
import { HintPathError } from './errors.js';

/** Above this many subtrees, one sync of the whole tree is cheaper than one per subtree. */
export const MAX_SUBTREES = 50;

/** The root of the module: the whole tree. */
export const WHOLE_TREE = '';

/** A hint path as rsync will see it, relative to the module root, without leading or trailing slashes. */
export function normalizeHint(path: string): string {
  if (typeof path !== 'string') throw new HintPathError('a hint path must be a string');
  if (path.length > 4096) throw new HintPathError('a hint path is longer than 4096 characters');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) throw new HintPathError(`the hint path ${JSON.stringify(path.slice(0, 80))} has control characters`);
  if (path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path)) throw new HintPathError(`the hint path ${JSON.stringify(path.slice(0, 80))} is absolute: paths are relative to the module root`);
  if (path.includes('\\')) throw new HintPathError(`the hint path ${JSON.stringify(path.slice(0, 80))} has a backslash`);
  const words = path.split('/').filter((word) => word !== '' && word !== '.');
  if (words.some((word) => word === '..')) throw new HintPathError(`the hint path ${JSON.stringify(path.slice(0, 80))} leaves the module (..)`);
  // rsync reads these as patterns or options when they start a path word.
  if (words.some((word) => word.startsWith('-'))) throw new HintPathError(`the hint path ${JSON.stringify(path.slice(0, 80))} has a word starting with "-"`);
  return words.join('/');
}

function contains(parent: string, child: string): boolean {
  return parent === WHOLE_TREE || child === parent || child.startsWith(`${parent}/`);
}

/**
 * The smallest set of subtrees covering `paths`, sorted; `[WHOLE_TREE]` when they include the root,
 * when there are none (nothing said: assume anything changed), or more than `max`.
 */
export function coverSubtrees(paths: Iterable<string>, max = MAX_SUBTREES): string[] {
  const normalized = [...new Set([...paths].map(normalizeHint))].sort();
  if (normalized.length === 0 || normalized.includes(WHOLE_TREE)) return [WHOLE_TREE];
  const cover: string[] = [];
  for (const path of normalized) {
    // Sorted, so a parent comes before everything under it.
    if (cover.length > 0 && contains(cover[cover.length - 1]!, path)) continue;
    cover.push(path);
  }
  return cover.length > max ? [WHOLE_TREE] : cover;
}

/** The deepest common ancestor of `paths` (WHOLE_TREE when they share none). */
export function commonAncestor(paths: readonly string[]): string {
  if (paths.length === 0) return WHOLE_TREE;
  let common = paths[0]!.split('/');
  for (const path of paths.slice(1)) {
    const words = path.split('/');
    let i = 0;
    while (i < common.length && i < words.length && common[i] === words[i]) i++;
    common = common.slice(0, i);
  }
  return common.join('/');
}

/**
 * Subtrees for changed files: each file's directory, merged upward into a common ancestor when there
 * would be more than `max`, so the master announces a few subtrees rather than thousands of files.
 */
export function subtreesOfFiles(files: Iterable<string>, max = MAX_SUBTREES): string[] {
  const directories = new Set<string>();
  for (const file of files) {
    const normalized = normalizeHint(file);
    const slash = normalized.lastIndexOf('/');
    directories.add(slash < 0 ? WHOLE_TREE : normalized.slice(0, slash));
  }
  let cover = coverSubtrees(directories, Number.MAX_SAFE_INTEGER);
  // Too many: lift every subtree one level until few enough (siblings merge into their parent).
  while (cover.length > max && !(cover.length === 1 && cover[0] === WHOLE_TREE)) {
    cover = coverSubtrees(cover.map((path) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : WHOLE_TREE)), Number.MAX_SAFE_INTEGER);
  }
  return cover;
}
