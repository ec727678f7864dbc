/**
 * `tidings simulate`: realistic traffic from the applications' schemas for demos and benchmarks,
 * published at a steady rate (pipelined, a bounded number awaiting confirmation) or printed as JSON
 * Lines. Progress goes to stderr every few seconds; Ctrl-C stops cleanly with a summary.
 */
import type { Command } from '@commander-js/extra-typings';
import { applyTopicPrefix, type Bus } from '../bus/index.js';
import { ConfigError } from '../config/index.js';
import { createMessage, formatMessageLine } from '../message/index.js';
import { createSchemaRegistry } from '../schemas/index.js';
import {
  DEFAULT_START,
  parseAppList,
  runSimulation,
  Simulator,
  type AppName,
  type Progress,
  type RunSummary,
  type SimulationSink,
} from '../simulate/index.js';
import { commandConfig, commandLogger, connectBus, onShutdownSignal } from './context.js';

/** Simulated traffic is a Fedora-like distribution's: this prefix when the configuration sets none. */
const FEDORA_PREFIX = 'org.fedoraproject.prod';

function number(value: string | undefined, flag: string, rule: { integer?: boolean; min: number; max?: number }): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  const ok = value.trim() !== '' && Number.isFinite(parsed) && (!rule.integer || Number.isInteger(parsed)) && parsed >= rule.min && parsed <= (rule.max ?? Infinity);
  if (!ok) {
    const kind = rule.integer ? 'a whole number' : 'a number';
    throw new ConfigError(`${flag} must be ${kind} ≥ ${rule.min}${rule.max !== undefined ? ` and ≤ ${rule.max}` : ''}, got ${JSON.stringify(value)}`, flag);
  }
  return parsed;
}

function perApp(apps: readonly AppName[], counts: Readonly<Record<AppName, number>>): string {
  return apps.map((app) => `${app} ${counts[app]}`).join(', ');
}

function perSecond(count: number, ms: number): string {
  return ms <= 0 ? '0/s' : `${((count * 1000) / ms).toFixed(1)}/s`;
}

function formatProgress(progress: Progress, apps: readonly AppName[], rate: number, verb: string): string {
  const target = rate > 0 ? `target ${rate}/s` : 'unpaced';
  return (
    `tidings simulate: ${progress.sent} ${verb} in ${(progress.elapsedMs / 1000).toFixed(1)} s, ${perSecond(progress.sent, progress.elapsedMs)} ` +
    `(last ${(progress.recentMs / 1000).toFixed(1)} s: ${perSecond(progress.recentSent, progress.recentMs)}, ${target}); ` +
    `${perApp(apps, progress.perApp)}; ${progress.inFlight} in flight`
  );
}

function formatSummary(summary: RunSummary, apps: readonly AppName[], seed: number, signal: string | undefined, verb: string): string {
  const how = summary.stoppedBy === 'signal' ? `stopped by ${signal ?? 'a signal'}` : summary.stoppedBy === 'failure' ? 'failed' : 'done';
  return (
    `tidings simulate: ${how}: ${summary.sent} messages ${verb} in ${(summary.elapsedMs / 1000).toFixed(1)} s, ` +
    `${perSecond(summary.sent, summary.elapsedMs)}; ${perApp(apps, summary.perApp)}; seed ${seed}`
  );
}

/** JSON Lines on stdout, as `tidings publish` reads them; waits when the pipe is full. */
function printSink(prefix: string): SimulationSink {
  const registry = createSchemaRegistry();
  return {
    send(simulated) {
      const message = createMessage(
        { id: simulated.id, topic: applyTopicPrefix(prefix, simulated.topic), body: simulated.body, schema: simulated.schema, sentAt: simulated.sentAt },
        registry,
      );
      registry.validate(message);
      if (process.stdout.write(formatMessageLine(message) + '\n')) return;
      return new Promise<void>((resolve) => process.stdout.once('drain', resolve));
    },
  };
}

/** The bus: each message checked against its schema (prepare), then sent and confirmed. */
function busSink(bus: Bus, prefix: string): SimulationSink {
  return {
    send(simulated) {
      const message = bus.prepare({ topic: applyTopicPrefix(prefix, simulated.topic), body: simulated.body, schema: simulated.schema }, { raw: true });
      return bus.send(message);
    },
  };
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('publish realistic traffic of the build system, updates, git, package database, accounts and mirrors (or print it)')
    .option('--rate <n>', 'messages a second (0: as fast as the bus confirms)', '10')
    .option('--apps <list>', 'only these apps, comma-separated: buildsys, bodhi, git, pkgdb, fas, mirrormanager (default: all)')
    .option('--count <n>', 'stop after N messages')
    .option('--duration <seconds>', 'stop after S seconds (with --print: S seconds of simulated traffic, rate × S messages)')
    .option('--seed <n>', 'the same seed makes the same traffic (default: random; the summary says which)')
    .option('--print', 'write JSON Lines to stdout instead of publishing (as fast as they are read)')
    .option('--dry-run', 'the same as --print')
    .option('--topic-prefix <prefix>', `prefix of every topic (default: topic_prefix of the configuration, else ${FEDORA_PREFIX})`)
    .option('--progress <seconds>', 'report progress on stderr every S seconds (0: only the summary)', '5')
    .action(async (flags, command) => {
      const rate = number(flags.rate, '--rate', { min: 0 })!;
      const count = number(flags.count, '--count', { integer: true, min: 1 });
      const duration = number(flags.duration, '--duration', { min: 0.001 });
      const seed = number(flags.seed, '--seed', { integer: true, min: 0, max: 2 ** 32 - 1 });
      const progressEvery = number(flags.progress, '--progress', { min: 0 })!;
      if (count !== undefined && duration !== undefined) throw new ConfigError('give --count or --duration, not both', '--count');
      const apps = flags.apps === undefined ? undefined : parseAppList(flags.apps);
      const print = flags.print === true || flags.dryRun === true;
      if (print && rate === 0 && duration !== undefined) throw new ConfigError('--duration with --print counts simulated seconds: give a --rate above 0', '--duration');

      const config = commandConfig(command);
      const prefix = flags.topicPrefix ?? (config.topic_prefix || FEDORA_PREFIX);
      // Printed traffic with a seed is the same byte for byte: its clock starts at a fixed time.
      const start = print && seed !== undefined ? DEFAULT_START : new Date();
      const simulator = new Simulator({ ...(seed !== undefined ? { seed } : {}), ...(apps ? { apps } : {}), rate, start });
      const verb = print ? 'written' : 'sent';

      const controller = new AbortController();
      let signalName: string | undefined;
      onShutdownSignal((signal) => {
        signalName = signal;
        controller.abort();
      });

      let bus: Bus | undefined;
      if (!print) {
        const logger = commandLogger(config, 'tidings-simulate');
        bus = await connectBus(config, logger, 'tidings-simulate');
      }
      let summary: RunSummary;
      try {
        summary = await runSimulation(simulator, bus ? busSink(bus, prefix) : printSink(prefix), {
          rate,
          paced: !print,
          // stdout: one write at a time, waiting for the pipe to drain when it is full.
          ...(print ? { window: 1 } : {}),
          ...(count !== undefined ? { count } : {}),
          ...(duration !== undefined ? { durationMs: duration * 1000 } : {}),
          signal: controller.signal,
          progressEveryMs: progressEvery * 1000,
          onProgress: (progress) => process.stderr.write(formatProgress(progress, simulator.apps, print ? 0 : rate, verb) + '\n'),
        });
      } finally {
        await bus?.close();
      }
      process.stderr.write(formatSummary(summary, simulator.apps, simulator.seed, signalName, verb) + '\n');
      if (summary.error !== undefined) throw summary.error;
    });
}
