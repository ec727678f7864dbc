/** Turns an operator's selection (all, the first N, these ids) into what the broker removes. */
import { ManageRefusedError } from '../errors.js';
import type { Selection } from '../model.js';

export interface ResolvedSelection {
  /** How many entries to take at most. */
  readonly limit: number;
  /** Whether an entry with this message id is wanted. */
  readonly wants: (id: string) => boolean;
  /** The ids asked for that `found` does not contain (empty unless the selection names ids). */
  missing(found: Iterable<string>): string[];
}

export function resolveSelection(selection: Selection): ResolvedSelection {
  if ('all' in selection && selection.all === true) {
    return { limit: Infinity, wants: () => true, missing: () => [] };
  }
  if ('count' in selection) {
    const { count } = selection;
    if (!Number.isSafeInteger(count) || count < 1) {
      throw new ManageRefusedError(`a count selection needs a whole number of messages ≥ 1, got ${JSON.stringify(count)}`);
    }
    return { limit: count, wants: () => true, missing: () => [] };
  }
  if ('ids' in selection && Array.isArray(selection.ids)) {
    const ids = new Set(selection.ids);
    return {
      limit: Infinity,
      wants: (id) => ids.has(id),
      missing: (found) => {
        const seen = new Set(found);
        return [...ids].filter((id) => !seen.has(id));
      },
    };
  }
  throw new ManageRefusedError('a selection is { all: true }, { count: N } or { ids: [...] }');
}
