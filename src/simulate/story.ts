/**
 * What the applications' traffic generators share. A story is something that happens in the
 * distribution — a packager pushes, builds and ships an update; a tester comments; the crawler checks
 * mirrors — told as steps, one message each, spaced in ticks of the simulation's time. A step may
 * schedule the next ones, in any application: that is how one package's commit, build, tags and
 * update end up on the bus in order.
 */
import type { Body } from '../message/index.js';
import type { Random } from './random.js';
import type { World } from './world.js';

/** The applications, named by the first word of their topics. */
export type AppName = 'buildsys' | 'bodhi' | 'git' | 'pkgdb' | 'fas' | 'mirrormanager';

/** One message, before the simulation gives it an id and a time. */
export interface Draft {
  /** Without the `<tld>.<org>.<env>` prefix: `buildsys.tag`. */
  readonly topic: string;
  /** The name its real publisher puts in the `fedora_messaging_schema` header. */
  readonly schema: string;
  readonly body: Body;
}

/** A step makes one message, or none when what it would report no longer applies. */
export type Step = () => Draft | null;

export interface Simulation {
  readonly random: Random;
  readonly world: World;
  /** The time of the message being made. */
  now(): Date;
  /** Runs `step` `delay` ticks from now (0: before any new story starts). */
  later(delay: number, step: Step): void;
}

export interface Story {
  /** The applications its messages come from: it is told only when one of them is wanted. */
  readonly apps: readonly AppName[];
  /** How often it starts, relative to the other stories. */
  readonly weight: number;
  start(sim: Simulation): Draft | null;
}
