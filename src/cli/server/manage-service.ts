/**
 * The operators' view inside `tidings serve`: the backend's management source, the alert thresholds
 * and roles from [manage], the audit trail in serve's database, and a bus connection of its own that
 * publishes the management events — and, when publisher families are configured, watches the
 * traffic so a family gone quiet is noticed.
 */
import type { TidingsConfig } from '../../config/index.js';
import type { Logger } from '../../log/index.js';
import { Bus, type Consumer } from '../../bus/index.js';
import { Severity, type SchemaRegistry, type SeverityLevel } from '../../message/index.js';
import type { StoreDatabase } from '../../store/index.js';
import { AuditStore, ManageService, type AlertThresholdsInit, type ManagementEvent } from '../../manage/index.js';
import type { ManageThresholdsConfig, ManageQueueThresholdsConfig } from '../../config/index.js';
import type { BusBackend } from './backend.js';

export interface RunningManageService {
  readonly service: ManageService;
  stop(): Promise<void>;
}

export async function startManageService(config: TidingsConfig, database: StoreDatabase, backend: BusBackend, registry: SchemaRegistry, logger: Logger): Promise<RunningManageService> {
  const log = logger.child({ part: 'manage' });
  const bus = new Bus(await backend.connect('tidings-manage'), { registry, logger: log, exchange: config.publish_exchange, topicPrefix: config.topic_prefix });
  const service = new ManageService({
    source: backend.managementSource(),
    audit: new AuditStore(database),
    grants: { operators: config.manage.operators, admins: config.manage.admins },
    thresholds: thresholdsOf(config),
    intervalMs: config.manage.interval * 1000,
    metricsMaxQueues: config.manage.metrics_max_queues,
    publish: config.manage.events ? (event) => publishEvent(bus, event) : null,
    objectEvents: config.manage.object_events,
    logger: log,
  });
  let traffic: Consumer | undefined;
  if (config.manage.publishers.length > 0) {
    // A transient queue of its own: when serve stops it goes, and it never holds up the bus.
    traffic = await bus.consume({ queue: '', bindings: ['#'] }, (message) => service.observeTopic(message.topic));
  }
  service.start();
  return {
    service,
    async stop() {
      await traffic?.stop();
      await service.stop();
      await bus.close();
    },
  };
}

/** A critical alert is an ERROR on the bus, so notification rules with a minimum severity catch it. */
async function publishEvent(bus: Bus, event: ManagementEvent): Promise<void> {
  const raised = event.topic === 'tidings.manage.alert.raise';
  const severity: SeverityLevel | undefined = raised ? (event.body['severity'] === 'critical' ? Severity.ERROR : Severity.WARNING) : undefined;
  await bus.publish({ topic: event.topic, body: event.body as never, schema: `${event.topic}.v1`, ...(severity !== undefined ? { severity } : {}) });
}

function thresholdsOf(config: TidingsConfig): AlertThresholdsInit {
  const { defaults, queues, publishers } = config.manage;
  return {
    defaults: camel(defaults),
    queues: queues.map((entry) => ({ queue: entry.queue, ...camel(entry) })),
    families: publishers.map((family) => ({ prefix: family.prefix, quietMinutes: family.quiet_minutes })),
  };
}

/** The file's snake_case thresholds as the evaluator's fields; keys left out stay out. */
function camel(source: Partial<ManageThresholdsConfig> | ManageQueueThresholdsConfig): NonNullable<AlertThresholdsInit['defaults']> {
  return {
    ...(source.no_consumer_seconds !== undefined ? { noConsumerSeconds: source.no_consumer_seconds } : {}),
    ...(source.no_progress_minutes !== undefined ? { noProgressMinutes: source.no_progress_minutes } : {}),
    ...(source.redelivery_loop !== undefined ? { redeliveryLoop: source.redelivery_loop } : {}),
    ...(source.ack_timeout_share !== undefined ? { ackTimeoutShare: source.ack_timeout_share } : {}),
    ...(source.growing_minutes !== undefined ? { growingMinutes: source.growing_minutes } : {}),
    ...(source.max_ready !== undefined ? { maxReady: source.max_ready } : {}),
    ...(source.max_dead_letters !== undefined ? { maxDeadLetters: source.max_dead_letters } : {}),
    ...(source.sustain_seconds !== undefined ? { sustainSeconds: source.sustain_seconds } : {}),
    ...(source.clear_margin !== undefined ? { clearMargin: source.clear_margin } : {}),
  };
}
