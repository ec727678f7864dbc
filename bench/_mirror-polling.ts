/**
 * The baselines of bench/mirror.ts, simulated with the same network and copy time: mirrors that
 * poll on a timer (cron with rsync every 1 or 6 hours; a manifest fetched every 10 minutes, today's
 * best practice). Each mirror's poll phase is random (seeded); a tier-2 mirror gets a change at its
 * first poll after its tier-1 has it, plus the copy. Data moved counts every check, not only copies.
 */
import { mulberry32 } from '../test/helpers/random.js';

export interface PollingModel {
  readonly tier1: number;
  readonly tier2PerTier1: number;
  readonly periodS: number;
  readonly copyS: number;
}

/** Seconds from the master's change until each mirror has it (tier-1 then tier-2 mirrors). */
export function pollingArrivals(model: PollingModel, seed: number): number[] {
  const random = mulberry32(seed);
  const arrivals: number[] = [];
  for (let t = 0; t < model.tier1; t++) {
    const tier1Has = random() * model.periodS + model.copyS;
    arrivals.push(tier1Has);
    for (let d = 0; d < model.tier2PerTier1; d++) {
      // Polls at phase φ, φ+P, …: the first at or after tier1Has.
      const phase = random() * model.periodS;
      const poll = phase >= tier1Has ? phase : phase + Math.ceil((tier1Has - phase) / model.periodS) * model.periodS;
      arrivals.push(poll + model.copyS);
    }
  }
  return arrivals;
}

export interface DayOfBytes {
  /** Bytes moved in a day by every mirror together, checks included. */
  readonly moved: number;
  /** Bytes that changed, times the number of mirrors (what must move at the least). */
  readonly changed: number;
}

/**
 * A day of one network: `changes` changes of `changedBytes` each; every poll costs `checkBytes` (an
 * rsync file list of the whole tree; a conditional manifest fetch) and a poll that finds a change
 * also costs `changeCheckBytes` (the manifest itself).
 */
export function dayOfBytes(mirrors: number, periodS: number, changes: number, changedBytes: number, checkBytes: number, changeCheckBytes = 0): DayOfBytes {
  const polls = Math.floor(86_400 / periodS) * mirrors;
  return { moved: polls * checkBytes + changes * mirrors * (changedBytes + changeCheckBytes), changed: changes * mirrors * changedBytes };
}
