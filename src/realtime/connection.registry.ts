import { Inject, Injectable } from '@nestjs/common';
import WebSocket from 'ws';
import { GROUP_BROADCASTER, GroupBroadcaster } from '../broadcaster/group-broadcaster';
import { DeliveryMeter, HERALD_METRICS, HeraldMetrics } from '../metrics/herald-metrics';
import { Connection } from './connection';
import { HighWaterMark } from './high-water-mark';

/**
 * This instance's open connections and their group memberships, kept in
 * step with the broadcaster: joining a group subscribes the connection's
 * subscriber, closing the socket leaves every group.
 */
@Injectable()
export class ConnectionRegistry {
  private readonly connections = new Map<WebSocket, Connection>();
  /** Newest notification id sent on this instance; see `HighWaterMark`. */
  readonly highWater = new HighWaterMark();
  /** Counts the notification frames this instance's connections write. */
  readonly deliveries: DeliveryMeter;

  constructor(
    @Inject(GROUP_BROADCASTER) private readonly broadcaster: GroupBroadcaster,
    @Inject(HERALD_METRICS) metrics: HeraldMetrics,
  ) {
    this.deliveries = metrics.deliveries;
    metrics.observeConnections(() => this.connections.size);
  }

  add(connection: Connection): void {
    this.connections.set(connection.socket, connection);
  }

  get(socket: WebSocket): Connection | undefined {
    return this.connections.get(socket);
  }

  get size(): number {
    return this.connections.size;
  }

  values(): IterableIterator<Connection> {
    return this.connections.values();
  }

  /** Subscribes the connection to a group; resolves once frames published afterwards reach it. */
  async join(connection: Connection, group: string): Promise<void> {
    if (connection.groups.has(group)) return;
    connection.groups.add(group);
    await this.broadcaster.subscribe(group, connection.deliver);
  }

  async leave(connection: Connection, group: string): Promise<void> {
    if (!connection.groups.delete(group)) return;
    await this.broadcaster.unsubscribe(group, connection.deliver);
  }

  /** Forgets a closed socket and leaves all its groups. */
  async remove(socket: WebSocket): Promise<void> {
    const connection = this.connections.get(socket);
    if (!connection) return;
    this.connections.delete(socket);
    connection.dispose();
    await Promise.all([...connection.groups].map((group) => this.leave(connection, group)));
  }
}
