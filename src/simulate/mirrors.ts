/**
 * The mirror manager: its crawler checks a batch of mirrors and reports how each went, and its
 * backend refreshes the netblock lists that send users to a nearby mirror.
 */
import type { Story } from './story.js';

/** The crawler's exit codes per host: 0 crawled, then timeouts, unreachable, out of date. */
const RESULTS: readonly (readonly [number, number])[] = [[0, 85], [1, 5], [2, 4], [3, 3], [4, 3]];

const crawl: Story = {
  apps: ['mirrormanager'],
  weight: 3,
  start(sim) {
    const { world, random } = sim;
    const hosts = random.sample(world.mirrors, random.int(5, 25));
    sim.later(random.int(10, 60), () => ({
      topic: 'mirrormanager.crawler.complete',
      schema: 'mirrormanager.crawler.complete.v1',
      body: { results: hosts.map((host) => ({ host, rc: random.weighted(RESULTS) })) },
    }));
    return { topic: 'mirrormanager.crawler.start', schema: 'mirrormanager.crawler.start.v1', body: { hosts } };
  },
};

const netblocks: Story = {
  apps: ['mirrormanager'],
  weight: 0.8,
  start(sim) {
    return {
      topic: 'mirrormanager.netblocks.get',
      schema: 'mirrormanager.netblocks.get.v1',
      body: { type: sim.random.chance(0.7) ? 'global' : 'internet2', success: sim.random.chance(0.95) },
    };
  },
};

export const mirrorStories: readonly Story[] = [crawl, netblocks];
