/**
 * The broker's registry of open connections, so an operator can see who is attached and close one.
 * Connections register themselves when made and leave when closed.
 */
import type { Logger } from 'pino';
import type { ConnectionIdentity } from './identity.js';
import type { BrokerConsumer } from './queue.js';

/** What the broker knows of one connection. */
export interface RegisteredConnection {
  readonly id: number;
  readonly name: string;
  /** Where it comes from: `embedded:<path>` in process, the hub client's address otherwise. */
  readonly address: string;
  readonly identity: ConnectionIdentity;
  /** Epoch ms. */
  readonly connectedAt: number;
  consumers(): readonly BrokerConsumer[];
  /** Ends the connection from the broker's side: its consumers end with an error carrying the reason. */
  closeByBroker(reason: string): void;
}

export class ConnectionRegistry {
  private readonly open = new Map<number, RegisteredConnection>();

  constructor(private readonly logger: Logger) {}

  add(connection: RegisteredConnection): void {
    this.open.set(connection.id, connection);
  }

  remove(connection: RegisteredConnection): void {
    this.open.delete(connection.id);
  }

  list(): RegisteredConnection[] {
    return [...this.open.values()];
  }

  get(id: number): RegisteredConnection | undefined {
    return this.open.get(id);
  }

  /** Closes a connection on an operator's word; returns false when no such connection is open. */
  close(id: number, reason: string): boolean {
    const connection = this.open.get(id);
    if (!connection) return false;
    this.logger.warn(
      { connection: connection.name, address: connection.address, service: connection.identity.service, reason },
      'connection closed by the broker',
    );
    connection.closeByBroker(reason);
    return true;
  }
}
