/**
 * When each publisher family was last heard from. The caller feeds it the bus's traffic (a tap on
 * `#`, or the archive's ingest); a family is judged only once the evaluator has been listening for
 * its whole quiet window, so a monitor that just started does not call every publisher quiet.
 */
import { durationReading } from './breach-tracker.js';
import type { Measurement } from './measurement.js';
import { describe } from './messages.js';
import { familyCovers, type PublisherFamily } from './thresholds.js';

export class PublisherActivity {
  private readonly lastSeen = new Map<string, number>();
  private listeningSince: number | null = null;

  constructor(private readonly families: readonly PublisherFamily[]) {}

  /** Records that `topic` was seen at `at` (epoch ms). */
  seen(topic: string, at: number): void {
    this.startListening(at);
    for (const family of this.families) {
      if (!familyCovers(family, topic)) continue;
      const before = this.lastSeen.get(family.prefix);
      if (before === undefined || at > before) this.lastSeen.set(family.prefix, at);
    }
  }

  startListening(at: number): void {
    this.listeningSince ??= at;
  }

  measure(at: number, clearMargin: number): Measurement[] {
    this.startListening(at);
    const since = this.listeningSince ?? at;
    return this.families.map((family) => {
      const last = this.lastSeen.get(family.prefix);
      const quietMinutes = (at - (last ?? since)) / 60_000;
      return {
        kind: 'publisher-quiet',
        subjectType: 'family',
        subject: family.prefix,
        value: quietMinutes,
        threshold: family.quietMinutes,
        unit: 'minutes',
        reading: durationReading(quietMinutes, family.quietMinutes, clearMargin),
        // The quiet window is the sustain: quiet for that long is quiet enough.
        sustainMs: 0,
        since: last ?? since,
        describe: () => describe.publisherQuiet(family.prefix, quietMinutes, family.quietMinutes, last !== undefined),
      } satisfies Measurement;
    });
  }
}
