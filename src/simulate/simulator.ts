/**
 * The simulation: one world, a queue of steps due at future ticks, and the stories that start when
 * nothing is due. `next()` gives the next message of the wanted applications; the other
 * applications' steps still run, silently, so the world stays the same whichever apps are shown
 * (a build that is not shown still completes, and its update still comes).
 */
import type { Body } from '../message/index.js';
import { accountStories } from './accounts.js';
import { APP_NAMES, appOfTopic } from './apps.js';
import { buildsysStories } from './buildsys.js';
import { bodhiStories } from './composes.js';
import { gitStories } from './git.js';
import { mirrorStories } from './mirrors.js';
import { pkgdbStories } from './pkgdb.js';
import { Random } from './random.js';
import type { AppName, Draft, Simulation, Step, Story } from './story.js';
import { World } from './world.js';

/** A message the simulation made. */
export interface SimulatedMessage {
  readonly app: AppName;
  /** Without the `<tld>.<org>.<env>` prefix: `buildsys.build.state.change`. */
  readonly topic: string;
  /** The name its real publisher sends in `fedora_messaging_schema`. */
  readonly schema: string;
  readonly body: Body;
  /** A UUID from the seeded generator: the same seed gives the same ids. */
  readonly id: string;
  /** The simulated clock: `start` plus one `1/rate` second per message. */
  readonly sentAt: Date;
}

export interface SimulatorOptions {
  /** Default: a random seed (see `seed` on the simulator). */
  readonly seed?: number;
  /** Default: every app. */
  readonly apps?: readonly AppName[];
  /** When the simulated clock starts. Default: 2024-06-01T00:00:00Z. */
  readonly start?: Date;
  /** Messages per second of simulated time (spaces the clock). Default 10. */
  readonly rate?: number;
  readonly users?: number;
  readonly packages?: number;
  /**
   * Messages' worth of history simulated (and not shown) before the first message, so that traffic
   * starts mid-stream: builds running, updates in testing. Default 2000.
   */
  readonly warmUp?: number;
}

export const DEFAULT_START = new Date('2024-06-01T00:00:00Z');

/** Every story of every app. */
export const STORIES: readonly Story[] = [...gitStories, ...buildsysStories, ...bodhiStories, ...pkgdbStories, ...accountStories, ...mirrorStories];

/** Steps in order of their tick, then of their scheduling. */
class StepQueue {
  private readonly heap: { due: number; order: number; step: Step }[] = [];
  private order = 0;

  get size(): number {
    return this.heap.length;
  }

  push(due: number, step: Step): void {
    const heap = this.heap;
    heap.push({ due, order: this.order++, step });
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.before(index, parent)) break;
      [heap[index], heap[parent]] = [heap[parent]!, heap[index]!];
      index = parent;
    }
  }

  /** The first step due at or before `tick`, removed; undefined when none is. */
  popDue(tick: number): Step | undefined {
    const heap = this.heap;
    if (heap.length === 0 || heap[0]!.due > tick) return undefined;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let index = 0;
      for (;;) {
        const left = index * 2 + 1;
        const right = left + 1;
        let smallest = index;
        if (left < heap.length && this.before(left, smallest)) smallest = left;
        if (right < heap.length && this.before(right, smallest)) smallest = right;
        if (smallest === index) break;
        [heap[index], heap[smallest]] = [heap[smallest]!, heap[index]!];
        index = smallest;
      }
    }
    return top.step;
  }

  private before(a: number, b: number): boolean {
    const x = this.heap[a]!;
    const y = this.heap[b]!;
    return x.due < y.due || (x.due === y.due && x.order < y.order);
  }
}

/** How many steps may run without a wanted message before the simulation gives up (a bug). */
const MAX_SILENT_STEPS = 1_000_000;

export class Simulator {
  readonly seed: number;
  readonly apps: readonly AppName[];
  readonly world: World;
  private readonly random: Random;
  /** Ids come from their own generator, so the world is the same whether or not ids are used. */
  private readonly ids: Random;
  private readonly wanted: ReadonlySet<AppName>;
  private readonly stories: readonly (readonly [Story, number])[];
  private readonly queue = new StepQueue();
  private readonly sim: Simulation;
  private readonly startMs: number;
  private readonly intervalMs: number;
  private tick = 0;
  private made = 0;

  constructor(options: SimulatorOptions = {}) {
    this.seed = (options.seed ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
    this.apps = options.apps && options.apps.length > 0 ? APP_NAMES.filter((name) => options.apps!.includes(name)) : APP_NAMES;
    this.wanted = new Set(this.apps);
    this.random = new Random(this.seed);
    this.ids = new Random(this.seed ^ 0x5bd1e995);
    this.startMs = (options.start ?? DEFAULT_START).getTime();
    // Unpaced (rate 0) traffic is spaced a millisecond apart.
    this.intervalMs = 1000 / (options.rate === undefined ? 10 : options.rate > 0 ? options.rate : 1000);
    this.world = new World(this.random, { ...(options.users ? { users: options.users } : {}), ...(options.packages ? { packages: options.packages } : {}) });
    this.stories = STORIES.filter((story) => story.apps.some((app) => this.wanted.has(app))).map((story) => [story, story.weight] as const);
    this.sim = {
      random: this.random,
      world: this.world,
      now: () => new Date(this.startMs + Math.round(this.made * this.intervalMs)),
      later: (delay: number, step: Step) => this.queue.push(this.tick + Math.max(0, Math.round(delay)), step),
    };
    // The history before the first message: its clock runs up to the start.
    const warmUp = options.warmUp ?? 2000;
    for (this.made = -warmUp; this.made < 0; this.made++) this.nextDraft();
  }

  /** Messages made so far (the warm-up's not counted). */
  get count(): number {
    return this.made;
  }

  /** The next message of a wanted app. */
  next(): SimulatedMessage {
    const { draft, app } = this.nextDraft();
    const message: SimulatedMessage = { app, topic: draft.topic, schema: draft.schema, body: draft.body, id: this.ids.uuid(), sentAt: this.sim.now() };
    this.made++;
    return message;
  }

  /** The next `count` messages. */
  take(count: number): SimulatedMessage[] {
    return Array.from({ length: count }, () => this.next());
  }

  private nextDraft(): { draft: Draft; app: AppName } {
    for (let steps = 0; steps < MAX_SILENT_STEPS; steps++) {
      let draft: Draft | null;
      const step = this.queue.popDue(this.tick);
      if (step) {
        draft = step();
      } else {
        // Nothing is due: time passes, and something new happens.
        this.tick++;
        draft = this.random.weighted(this.stories).start(this.sim);
      }
      if (draft === null) continue;
      const app = appOfTopic(draft.topic);
      if (this.wanted.has(app)) return { draft, app };
    }
    throw new Error(`the simulation ran ${MAX_SILENT_STEPS} steps without a message for ${this.apps.join(', ')}: this is a bug`);
  }
}
