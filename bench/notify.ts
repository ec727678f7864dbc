/**
 * The notification server's matching: throughput and cost per message with 1,000 and with 100,000
 * users of 3 rules each, in the same run, over the same stream of simulated messages (facts derived
 * before the timed loop). The two populations are one universe cut at two sizes (see
 * _notify-population.ts), and the rounds alternate between them so that drift hits both alike.
 * Then publish-to-email latency at 100 msg/s through a real `tidings serve` and a real SMTP server,
 * against nodemailer sending straight to that server at the same rate (bench/_notify-email.ts).
 *
 *   npm run bench -- notify [--messages 20000] [--rounds 5] [--seed 7] [--sizes 1000,100000]
 *                           [--email-rate 100] [--email-seconds 20] [--email-users 500]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { DerivedFacts, Message } from '../src/message/index.js';
import { createSchemaRegistry } from '../src/schemas/index.js';
import { Simulator } from '../src/simulate/index.js';
import { MatchIndex } from '../src/notify/match/index.js';
import { percentile, printTable } from './_report.js';
import { emailLatency, latencyRow } from './_notify-email.js';
import { makeUniverse, populationOf, CORE, MAX_USERS } from './_notify-population.js';

const TARGETS = { ratio: 2, matchedPerSecond: 20_000 } as const;
/** Long enough a timed pass that timer resolution and GC pauses are noise. */
const MIN_PASS_MS = 400;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function heapMb(): number {
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

interface Size {
  readonly users: number;
  readonly index: MatchIndex;
  readonly rules: number;
  readonly buildMs: number;
  readonly heapMb: number;
  /** µs per message, one entry per round. */
  readonly samples: number[];
  matchesPerMessage: number;
  /** Of those, the matches of the active core's rules (the first CORE users). */
  coreMatchesPerMessage: number;
  reasonsPerMessage: number;
  silentShare: number;
}

export async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      messages: { type: 'string', default: '20000' },
      rounds: { type: 'string', default: '5' },
      seed: { type: 'string', default: '7' },
      sizes: { type: 'string', default: '1000,100000' },
      'email-rate': { type: 'string', default: '100' },
      'email-seconds': { type: 'string', default: '20' },
      'email-users': { type: 'string', default: '500' },
    },
  });
  const messageCount = Number(values.messages);
  const rounds = Number(values.rounds);
  const seed = Number(values.seed);
  const sizes = values.sizes.split(',').map(Number);
  if (sizes.some((size) => !(size > 0 && size <= MAX_USERS))) throw new Error(`--sizes must be between 1 and ${MAX_USERS}`);

  // The simulator's world: its people are the first users, its packages the ones messages are about.
  const simulator = new Simulator({ seed, users: 20_000, rate: 0 });
  const registry = createSchemaRegistry();
  const stream: { message: Message; facts: DerivedFacts }[] = simulator.take(messageCount).map((made) => {
    const message: Message = { id: made.id, topic: `org.fedoraproject.prod.${made.topic}`, headers: { fedora_messaging_schema: made.schema }, body: made.body };
    return { message, facts: registry.facts(message) };
  });
  const universe = makeUniverse(simulator.world, seed);
  const groups = [...simulator.world.groups.keys()];
  console.error(`notify bench: ${stream.length.toLocaleString('en-US')} simulated messages, ${sizes.map((s) => s.toLocaleString('en-US')).join(' and ')} users, ${rounds} rounds`);

  const built: Size[] = [];
  for (const users of sizes) {
    gc();
    const before = heapMb();
    let population = populationOf(universe, users, groups);
    const started = performance.now();
    const index = new MatchIndex(population);
    const buildMs = performance.now() - started;
    const rules = population.rules.length;
    population = { users: [], rules: [], ownership: [], membership: [] };
    gc();
    built.push({ users, index, rules, buildMs, heapMb: heapMb() - before, samples: [], matchesPerMessage: 0, coreMatchesPerMessage: 0, reasonsPerMessage: 0, silentShare: 0 });
  }

  // What the matches are, untimed: the output grows with the population even when the work per key does not.
  const coreUsers = new Set(universe.names.slice(0, CORE));
  for (const size of built) {
    let matches = 0;
    let coreMatches = 0;
    let reasons = 0;
    let silent = 0;
    for (const { message, facts } of stream) {
      const found = size.index.match(message, facts);
      matches += found.length;
      for (const match of found) {
        reasons += match.reasons.length;
        if (coreUsers.has(match.owner)) coreMatches++;
      }
      if (found.length === 0) silent++;
    }
    size.matchesPerMessage = matches / stream.length;
    size.coreMatchesPerMessage = coreMatches / stream.length;
    size.reasonsPerMessage = reasons / stream.length;
    size.silentShare = silent / stream.length;
  }

  const passes = (size: Size): number => {
    // Calibrate: enough passes over the stream for MIN_PASS_MS.
    const started = performance.now();
    timedPass(size.index, stream);
    const onePass = performance.now() - started;
    return Math.max(1, Math.ceil(MIN_PASS_MS / Math.max(onePass, 0.001)));
  };
  const passCounts = built.map(passes);
  for (let round = 0; round < rounds; round++) {
    built.forEach((size, i) => {
      gc();
      const count = passCounts[i]!;
      const started = performance.now();
      for (let p = 0; p < count; p++) timedPass(size.index, stream);
      const microseconds = ((performance.now() - started) * 1000) / (count * stream.length);
      size.samples.push(microseconds);
    });
  }

  const median = (values: readonly number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  printTable(
    'matching, one core, facts precomputed (median of rounds)',
    built.map((size) => {
      const stats = size.index.stats();
      const perMessage = median(size.samples);
      return {
        users: size.users,
        rules: size.rules,
        'topic patterns': stats.topicPatterns,
        'build ms': Math.round(size.buildMs),
        'heap MB': Math.round(size.heapMb * 10) / 10,
        'µs/msg': Math.round(perMessage * 100) / 100,
        'msg/s': Math.round(1e6 / perMessage),
        'matches/msg': Math.round(size.matchesPerMessage * 100) / 100,
        [`of core ${CORE.toLocaleString('en-US')}`]: Math.round(size.coreMatchesPerMessage * 100) / 100,
        'reasons/msg': Math.round(size.reasonsPerMessage * 100) / 100,
        'no match %': Math.round(size.silentShare * 1000) / 10,
        'µs/match': Math.round((perMessage / Math.max(size.matchesPerMessage, 1e-9)) * 100) / 100,
      };
    }),
  );

  const smallest = built[0]!;
  const largest = built[built.length - 1]!;
  const ratio = median(largest.samples) / median(smallest.samples);
  const matchedPerSecond = 1e6 / median(largest.samples);
  console.log(
    `\nratio ${ratio.toFixed(2)} (target ≤ ${TARGETS.ratio}) · ${Math.round(matchedPerSecond).toLocaleString('en-US')} msg/s at ` +
      `${largest.users.toLocaleString('en-US')} users (target ≥ ${TARGETS.matchedPerSecond.toLocaleString('en-US')}) · ` +
      `publish-to-email below`,
  );

  const emailRate = Number(values['email-rate']);
  const email = await emailLatency(emailRate, Number(values['email-seconds']), Number(values['email-users']));
  printTable(`publish → email at ${emailRate} msg/s, ${email.sent.toLocaleString('en-US')} builds of ${values['email-users']} owners' packages (ms)`, [
    latencyRow('tidings: SDK publish → serve → match → outbox → SMTP', email.samples),
    latencyRow('baseline: nodemailer straight to the same SMTP server', email.baseline),
  ]);
  const emailP99 = percentile(email.samples, 99);
  console.log('');
  console.log(
    JSON.stringify({
      bench: 'notify',
      unit: 'msg/s',
      messages: stream.length,
      users_small: smallest.users,
      users_large: largest.users,
      rules_large: largest.rules,
      us_per_msg_small: round2(median(smallest.samples)),
      us_per_msg_large: round2(median(largest.samples)),
      ratio: round2(ratio),
      matched_per_s: Math.round(matchedPerSecond),
      matched_per_s_small: Math.round(1e6 / median(smallest.samples)),
      matches_per_msg_small: round2(smallest.matchesPerMessage),
      matches_per_msg_large: round2(largest.matchesPerMessage),
      core_users: CORE,
      core_matches_per_msg_large: round2(largest.coreMatchesPerMessage),
      build_ms_small: Math.round(smallest.buildMs),
      build_ms_large: Math.round(largest.buildMs),
      heap_mb_small: round2(smallest.heapMb),
      heap_mb_large: round2(largest.heapMb),
      email_p99_ms: round2(emailP99),
      email_p50_ms: round2(percentile(email.samples, 50)),
      email_baseline_p99_ms: round2(percentile(email.baseline, 99)),
      email_rate: emailRate,
      emails: email.received,
      ratio_ok: ratio <= TARGETS.ratio,
      throughput_ok: matchedPerSecond >= TARGETS.matchedPerSecond,
    }),
  );
}

/** One pass over the stream; adding up the matches keeps the work from being optimised away. */
let sink = 0;
function timedPass(index: MatchIndex, stream: readonly { message: Message; facts: DerivedFacts }[]): void {
  for (const { message, facts } of stream) sink += index.match(message, facts).length;
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

