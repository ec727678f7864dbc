/**
 * `tidings status`: is anything stuck, and what to do about it — the summary, the active alerts with
 * their advice, then a qpid-stat-like table of queues (worst first, or `--sort`) and of connections
 * (who is on the other end). `--json` prints what the API answers.
 */
import type { Command } from '@commander-js/extra-typings';
import { ConfigError } from '../config/index.js';
import { QUEUE_SORTS, type ConnectionStatus, type QueueStatus, type StatusReport } from '../manage/index.js';
import { commandConfig, writeLine } from './context.js';
import { ManageClient } from './manage-client.js';
import { serveUrl } from './serve-client.js';
import { shortDuration, stripControl } from './format.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('the bus at a glance: alerts and what to do, queues worst first, connections (from tidings serve)')
    .option('--sort <column>', `order queues by ${QUEUE_SORTS.join(', ')}`, 'worst')
    .option('--queues', 'only the queues table')
    .option('--connections', 'only the connections table')
    .option('--all', 'also the dead-letter queues and queues with nothing in them')
    .option('--json', 'the JSON the API answers (GET /api/v1/manage/status)')
    .option('--serve-url <url>', 'tidings serve when --url is an AMQP broker (env TIDINGS_SERVE_URL)')
    .action(async (flags, command) => {
      if (!(QUEUE_SORTS as readonly string[]).includes(flags.sort)) throw new ConfigError(`--sort must be one of ${QUEUE_SORTS.join(', ')}`, '--sort');
      const client = new ManageClient(serveUrl(commandConfig(command), flags.serveUrl));
      const report = await client.get<StatusReport>('/api/v1/manage/status', new URLSearchParams({ sort: flags.sort }));
      if (flags.json) return writeLine(JSON.stringify(report));
      const only = flags.queues || flags.connections;
      if (!only) printSummary(report);
      if (!only || flags.queues) printQueues(report.queues, flags.all === true);
      if (!only || flags.connections) printConnections(report.connections);
    });
}

function printSummary(report: StatusReport): void {
  const { summary, node } = report;
  writeLine(
    `${summary.health.toUpperCase()} — ${node.kind === 'rabbitmq' ? `RabbitMQ ${node.version} ${node.name} vhost ${node.vhost}` : `embedded broker ${node.name}`}: ` +
      `${summary.queues} queues, ${summary.ready} ready, ${summary.unacked} unacked, ${summary.deadLetters} dead letters, ` +
      `${summary.consumers} consumers, ${summary.connections} connections`,
  );
  if (node.memoryAlarm || node.diskAlarm) writeLine(`broker alarm: ${[node.memoryAlarm ? 'memory' : '', node.diskAlarm ? 'disk' : ''].filter(Boolean).join(' and ')} — publishers are blocked`);
  for (const line of report.advice) writeLine(`  ${stripControl(line)}`);
  writeLine('');
}

function printQueues(queues: readonly QueueStatus[], all: boolean): void {
  const shown = all ? queues : queues.filter((q) => !q.isDeadLetterQueue && (q.health !== 'ok' || q.ready + q.unacked > 0 || q.consumers > 0 || (q.deadLetters ?? 0) > 0));
  const header = ['QUEUE', 'HEALTH', 'READY', 'UNACKED', 'CONS', 'UTIL', 'IN/S', 'OUT/S', 'ACK/S', 'REDLV/S', 'OLDEST', 'DEAD', 'OWNER', 'ALERTS'];
  const rows = shown.map((q) => [
    q.name,
    q.health,
    String(q.ready),
    String(q.unacked),
    String(q.consumers),
    q.consumerUtilisation === null ? '-' : `${Math.round(q.consumerUtilisation * 100)}%`,
    rate(q.publishRate),
    rate(q.deliverRate),
    rate(q.ackRate),
    rate(q.redeliverRate),
    q.oldestAgeMs === null ? '-' : shortDuration(q.oldestAgeMs),
    q.deadLetters === null ? '-' : String(q.deadLetters),
    q.owner ?? '-',
    q.alerts.join(','),
  ]);
  table(header, rows, new Set([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]));
  const hidden = queues.length - shown.length;
  if (shown.length === 0) writeLine('no queue holds or consumes anything');
  if (hidden > 0) writeLine(`(${hidden} idle or dead-letter queues not shown: --all shows them)`);
  writeLine('');
}

function printConnections(connections: readonly ConnectionStatus[]): void {
  const header = ['CONNECTION', 'SERVICE', 'HOST', 'PID', 'LIBRARY', 'CHANNELS', 'CONSUMERS', 'SINCE', 'STATE'];
  const rows = connections.map((c) => [
    c.name,
    c.service ?? '-',
    c.host ?? '-',
    c.pid === null ? '-' : String(c.pid),
    [c.library, c.libraryVersion].filter(Boolean).join(' ') || '-',
    String(c.channels),
    String(c.consumers),
    c.connectedAt === null ? '-' : new Date(c.connectedAt).toISOString().slice(0, 19).replace('T', ' '),
    c.state,
  ]);
  table(header, rows, new Set([3, 5, 6]));
  if (rows.length === 0) writeLine('no connections');
}

/** Columns padded to their widest cell; numeric columns right-aligned. Hostile names cannot move the cursor. */
function table(header: string[], rows: string[][], numeric: ReadonlySet<number>): void {
  const clean = rows.map((row) => row.map((cell) => stripControl(cell)));
  const widths = header.map((title, i) => Math.max(title.length, ...clean.map((row) => row[i]!.length)));
  for (const row of [header, ...clean]) {
    writeLine(row.map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd());
  }
}

function rate(value: number | null): string {
  if (value === null) return '-';
  return value >= 100 ? String(Math.round(value)) : value.toFixed(1);
}
