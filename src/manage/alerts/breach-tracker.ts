/**
 * Hysteresis for one (kind, subject) at a time: a breach must hold through every sample for
 * `sustainMs` before it is raised, and a raised alert clears only when a sample is clearly good
 * (below the clear margin), not merely back under the threshold. Between the two it stays as it is,
 * so a value hovering at the threshold neither raises on one sample nor flaps.
 */

/** One sample's verdict for one (kind, subject). */
export interface Reading {
  /** The value is past its threshold now. */
  readonly breached: boolean;
  /** The value is far enough back (threshold × (1 − margin)) to end a raised alert. */
  readonly clearable: boolean;
}

export type Step = 'raise' | 'clear' | null;

interface TrackState {
  /** Start of the current unbroken breach, null while not breached. */
  breachSince: number | null;
  active: boolean;
}

export class BreachTracker {
  private readonly states = new Map<string, TrackState>();

  step(id: string, at: number, reading: Reading, sustainMs: number): Step {
    const state = this.states.get(id) ?? { breachSince: null, active: false };
    this.states.set(id, state);
    if (reading.breached) {
      state.breachSince ??= at;
      if (!state.active && at - state.breachSince >= sustainMs) {
        state.active = true;
        return 'raise';
      }
      return null;
    }
    // A good sample breaks the run: the next breach has to be sustained from scratch.
    state.breachSince = null;
    if (state.active && reading.clearable) {
      state.active = false;
      return 'clear';
    }
    if (!state.active) this.states.delete(id);
    return null;
  }

  breachSince(id: string): number | null {
    return this.states.get(id)?.breachSince ?? null;
  }

  /** Forgets a subject that no longer exists; returns whether its alert was raised. */
  forget(id: string): boolean {
    const wasActive = this.states.get(id)?.active ?? false;
    this.states.delete(id);
    return wasActive;
  }

  ids(): IterableIterator<string> {
    return this.states.keys();
  }
}

/** A level reading: breached above `threshold`, clearable at or below threshold × (1 − margin). */
export function levelReading(value: number, threshold: number, clearMargin: number): Reading {
  return { breached: value > threshold, clearable: value <= threshold * (1 - clearMargin) };
}

/**
 * A duration reading: "for 5 minutes" is breached at 5 minutes, not after them. Clears as a level
 * does; in practice a duration drops to 0 when its condition ends.
 */
export function durationReading(seconds: number, thresholdSeconds: number, clearMargin: number): Reading {
  return { breached: seconds >= thresholdSeconds, clearable: seconds <= thresholdSeconds * (1 - clearMargin) };
}
