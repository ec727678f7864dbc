/**
 * What an agent has been told and has to do, as a pure value: whether its upstream holds it, and
 * the sync it owes (coalesced from every pull since the last sync). The agent's I/O acts on it.
 */
import { coverSubtrees, WHOLE_TREE } from './hints.js';

export interface PendingSync {
  readonly serial: number;
  /** Subtrees to sync; `['']` is the whole tree. */
  readonly paths: readonly string[];
  readonly trigger: string;
  /** The upstream's hop chain, to extend with this mirror's hop. */
  readonly hops: readonly Hop[];
}

export interface Hop {
  readonly mirror: string;
  readonly tier: number;
  readonly started: string;
  readonly finished: string | null;
}

export interface Pull {
  readonly serial: number;
  /** The serial the upstream served before; more than ours means we missed a change. */
  readonly previous: number;
  readonly paths: readonly string[];
  readonly hops: readonly Hop[];
  readonly trigger: string;
}

/**
 * Folds a pull into what is owed. Null when there is nothing to do (we serve that serial already).
 * A missed change (the upstream's previous serial is newer than ours) widens it to the whole tree.
 */
export function owe(current: PendingSync | null, served: number, pull: Pull): PendingSync | null {
  const highest = Math.max(served, current?.serial ?? 0);
  if (pull.serial <= highest && current === null) return null;
  const missed = pull.previous > served && pull.previous > (current?.serial ?? 0);
  const paths = missed ? [WHOLE_TREE] : coverSubtrees([...(current?.paths ?? []), ...(pull.paths.length > 0 ? pull.paths : [WHOLE_TREE])]);
  const newer = pull.serial >= (current?.serial ?? 0);
  return {
    serial: Math.max(pull.serial, current?.serial ?? 0),
    paths,
    trigger: missed ? `${pull.trigger} (missed serial ${pull.previous}: whole tree)` : newer ? pull.trigger : current!.trigger,
    hops: newer ? pull.hops : current!.hops,
  };
}
