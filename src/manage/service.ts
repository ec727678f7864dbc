/**
 * The operators' view inside `tidings serve`: it looks at the broker every interval — alerts from the
 * evaluator, management events from the difference with the previous look, both published on the bus
 * — answers the API from a fresh snapshot, and runs guarded actions: the caller's role is checked,
 * and every action asked for, done, refused or failed, is written to the audit trail and published.
 */
import type { Logger } from '../log/index.js';
import { AlertEvaluator, type Alert, type AlertThresholdsInit } from './alerts/index.js';
import type { AuditRecord, AuditStore, NewAuditRecord } from './audit.js';
import { alertEvent, auditEvent, connectionRefusedEvent, diffSnapshots, type ManagementEvent } from './events.js';
import { renderMetrics } from './metrics.js';
import type { BusSnapshot, ManagementSource } from './model.js';
import { assertAllowed, roleOf, type ManageAction, type RoleGrants } from './roles.js';
import { buildStatus, type StatusReport } from './status.js';
import { ManageForbiddenError, ManageNotFoundError, ManageRefusedError } from './errors.js';

/** Publishes one management event on the bus; the service logs and carries on when it fails. */
export type PublishEvent = (event: ManagementEvent) => Promise<void>;

export interface ManageServiceOptions {
  readonly source: ManagementSource;
  readonly audit: AuditStore;
  readonly grants: RoleGrants;
  readonly thresholds?: AlertThresholdsInit;
  /** Between looks at the broker. */
  readonly intervalMs: number;
  readonly metricsMaxQueues: number;
  /** Null: no management events on the bus. */
  readonly publish: PublishEvent | null;
  /** Also publish objects' coming and going (connections, queues, bindings, consumers), not only alerts and actions. */
  readonly objectEvents?: boolean;
  readonly logger: Logger;
}

/** Who asks for an action: the identity of the request's token, or null. */
export interface ActionRequest {
  readonly caller: string | null;
  readonly action: ManageAction;
  readonly target: string;
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** An API answer may reuse a snapshot this young instead of asking the broker again. */
const FRESH_FOR_MS = 1_000;

export class ManageService {
  private readonly evaluator: AlertEvaluator;
  private readonly log: Logger;
  private previous: BusSnapshot | null = null;
  private latest: BusSnapshot | null = null;
  private inflight: Promise<BusSnapshot> | null = null;
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | null = null;
  private stopped = false;

  constructor(private readonly options: ManageServiceOptions) {
    this.evaluator = new AlertEvaluator(options.thresholds ?? {});
    this.log = options.logger;
  }

  get kind(): ManagementSource['kind'] {
    return this.options.source.kind;
  }

  /** Looks at the broker now and then every interval. */
  start(): void {
    const run = (): void => {
      if (this.stopped || this.ticking) return;
      this.ticking = this.tick().finally(() => (this.ticking = null));
    };
    run();
    this.timer = setInterval(run, this.options.intervalMs);
    this.timer.unref();
  }

  /** One look: alerts raised or cleared, objects come and gone; each published as an event. */
  async tick(): Promise<void> {
    let snapshot: BusSnapshot;
    try {
      snapshot = await this.snapshot(0);
    } catch (error) {
      this.log.warn({ err: error }, 'could not look at the broker; alerts and events wait for the next look');
      return;
    }
    const transitions = this.evaluator.observe(snapshot);
    for (const transition of transitions) {
      const { alert } = transition;
      const fields = { alert: alert.id, severity: alert.severity, value: alert.value, threshold: alert.threshold };
      if (transition.type === 'raised') this.log.warn(fields, alert.message);
      else this.log.info(fields, `cleared: ${alert.message}`);
    }
    const objects = this.options.objectEvents && this.previous ? diffSnapshots(this.previous, snapshot) : [];
    const events = [...objects, ...transitions.map(alertEvent)];
    this.previous = snapshot;
    for (const event of events) await this.emit(event);
  }

  /** A snapshot no older than `maxAgeMs`; concurrent callers share one request to the broker. */
  async snapshot(maxAgeMs = FRESH_FOR_MS): Promise<BusSnapshot> {
    if (this.latest && Date.now() - this.latest.takenAt <= maxAgeMs) return this.latest;
    this.inflight ??= this.options.source.snapshot().then(
      (snapshot) => {
        this.latest = snapshot;
        this.inflight = null;
        return snapshot;
      },
      (error: unknown) => {
        this.inflight = null;
        throw error;
      },
    );
    return this.inflight;
  }

  /** A client the bus turned away: logged by whoever refused it, announced here. */
  connectionRefused(peer: string, reason: string): void {
    void this.emit(connectionRefusedEvent(peer, reason));
  }

  /** The bus's traffic, for the publisher families' quiet alerts. */
  observeTopic(topic: string, at = Date.now()): void {
    this.evaluator.observeTopic(topic, at);
  }

  activeAlerts(): Alert[] {
    return this.evaluator.active();
  }

  async status(): Promise<StatusReport> {
    return buildStatus(await this.snapshot(), this.evaluator.active());
  }

  async metrics(): Promise<string> {
    return renderMetrics(await this.snapshot(), this.evaluator.active(), { maxQueues: this.options.metricsMaxQueues });
  }

  roleOf(caller: string | null): ReturnType<typeof roleOf> {
    return roleOf(caller, this.options.grants);
  }

  /**
   * Runs an action for a caller: refused (and audited) without the role; otherwise done or failed,
   * audited either way. Resolves with what the action returned.
   */
  async act<T>(request: ActionRequest, run: (source: ManagementSource) => Promise<T>): Promise<T> {
    const role = this.roleOf(request.caller);
    const base = { at: Date.now(), actor: request.caller ?? 'anonymous', role, action: request.action, target: request.target, detail: request.detail ?? {} };
    try {
      assertAllowed(request.caller, role, request.action);
    } catch (error) {
      await this.record({ ...base, outcome: 'refused', affected: 0, error: (error as Error).message });
      throw error;
    }
    let result: T;
    try {
      result = await run(this.options.source);
    } catch (error) {
      const refused = error instanceof ManageRefusedError || error instanceof ManageNotFoundError || error instanceof ManageForbiddenError;
      await this.record({ ...base, outcome: refused ? 'refused' : 'failed', affected: 0, error: (error as Error).message });
      throw error;
    }
    const reported = (result as { affected?: unknown } | null | undefined)?.affected;
    const affected = typeof reported === 'number' ? reported : 1;
    await this.record({ ...base, outcome: 'done', affected });
    this.latest = null; // the next answer shows the action's effect
    return result;
  }

  auditTrail(limit: number, beforeId?: number): Promise<AuditRecord[]> {
    return this.options.audit.list(limit, beforeId);
  }

  private async record(entry: NewAuditRecord): Promise<void> {
    let stored: AuditRecord;
    try {
      stored = await this.options.audit.record(entry);
    } catch (error) {
      // The action's outcome stands; losing its record is logged loudly rather than failing the caller.
      this.log.error({ err: error, action: entry.action, target: entry.target, actor: entry.actor }, 'could not write the audit record');
      return;
    }
    this.log.info({ audit: stored.id, actor: stored.actor, role: stored.role, action: stored.action, target: stored.target, outcome: stored.outcome, affected: stored.affected }, 'management action');
    await this.emit(auditEvent(stored));
  }

  private async emit(event: ManagementEvent): Promise<void> {
    if (!this.options.publish) return;
    try {
      await this.options.publish(event);
    } catch (error) {
      this.log.warn({ err: error, topic: event.topic }, 'could not publish a management event');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.ticking;
    await this.options.source.close();
  }
}
