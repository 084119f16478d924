import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { ChainableCommander } from 'ioredis';
import { createRedisClient, RedisClient } from '../common/redis-client';
import { RedisConfig } from '../config/herald.config';
import { PresenceListener, RoomPresence } from './room-presence';

/** How long a socket's presence lives without a heartbeat from its instance, in ms. */
export const PRESENCE_TTL_MS = 30_000;
/** How often an instance renews the presence of its own sockets, in ms. */
export const PRESENCE_HEARTBEAT_MS = 10_000;

/** Presence timing; the defaults suit production, tests shorten them. */
export interface PresenceTiming {
  /** Lifetime of an entry without renewal, in ms. */
  ttlMs: number;
  /** Renewal period, in ms; well under `ttlMs`. */
  heartbeatMs: number;
}

/** The timing for a TTL (`ROOM_PRESENCE_TTL_MS`): renewed every third of it, so one late renewal is not an expiry. */
export function presenceTiming(ttlMs: number): PresenceTiming {
  return { ttlMs, heartbeatMs: Math.floor(ttlMs / 3) };
}

/** A room's entries after a change: the live ones, and the expired ones this very transaction removed. */
interface RoomEntries {
  live: string[];
  expired: string[];
}

/**
 * Presence shared by every instance through Redis: one sorted set per room
 * (`<REDIS_PREFIX>room-presence:{<room>}`) whose members are
 * `<instance>\n<connectionId>\n<user>` scored by their expiry time. Each
 * instance renews its own entries every 10 s, so the sockets of an
 * instance that dies without saying goodbye drop out within 30 s (the
 * defaults; `ROOM_PRESENCE_TTL_MS` sets the TTL, renewal a third of it).
 *
 * Expired entries are pruned by every read and by every renewal, which
 * also sweeps the rooms this instance has sockets in (the rooms whose
 * members it must tell). The transaction that prunes reads the entries it
 * removes, so exactly one instance learns of each expiry; it reports the
 * users left without a live entry to the `onChange` listener (`left`). A
 * renewal that finds its own entries already pruned (this instance could
 * not reach Redis for a TTL) reports their users `joined` again.
 *
 * The room name is the key's hash tag (`{room}`), so on a Redis Cluster
 * each room's keys sit on one shard and every transaction here stays
 * within one slot; nothing sends two rooms' keys in one command.
 */
export class RedisRoomPresence implements RoomPresence {
  private readonly redis: RedisClient;
  private readonly keyPrefix: string;
  private readonly instance = randomUUID();
  /** This instance's entries: Redis key -> members. */
  private readonly local = new Map<string, Set<string>>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly logger = new Logger(RedisRoomPresence.name);
  private listener: PresenceListener = () => undefined;

  constructor(
    config: RedisConfig,
    private readonly timing: PresenceTiming = { ttlMs: PRESENCE_TTL_MS, heartbeatMs: PRESENCE_HEARTBEAT_MS },
  ) {
    this.keyPrefix = `${config.prefix}room-presence:`;
    this.redis = createRedisClient(config, { connectionName: 'herald-presence', maxRetriesPerRequest: 1 });
    this.redis.on('error', (error: Error) => this.logger.debug(`redis presence connection: ${error.message}`));
    this.heartbeat = setInterval(() => {
      this.renew().catch((error: Error) => this.logger.warn(`renewing room presence failed: ${error.message}`));
    }, timing.heartbeatMs);
    this.heartbeat.unref();
  }

  async add(room: string, user: string, connectionId: string): Promise<boolean> {
    const key = this.key(room);
    const member = this.member(connectionId, user);
    let members = this.local.get(key);
    if (!members) this.local.set(key, (members = new Set()));
    members.add(member);
    const { live, expired } = await this.write(key, (pipeline) => pipeline.zadd(key, Date.now() + this.timing.ttlMs, member));
    this.reportExpired(room, live, expired, user);
    // An expired entry of the user's own replaced by this one: they never left.
    return !live.some((entry) => entry !== member && userOf(entry) === user) && !expired.some((entry) => userOf(entry) === user);
  }

  async remove(room: string, user: string, connectionId: string): Promise<boolean> {
    const key = this.key(room);
    const member = this.member(connectionId, user);
    const members = this.local.get(key);
    if (!members?.delete(member)) return false;
    if (members.size === 0) this.local.delete(key);
    const { live, expired } = await this.write(key, (pipeline) => pipeline.zrem(key, member));
    this.reportExpired(room, live, expired, user);
    return !live.some((entry) => userOf(entry) === user);
  }

  async members(room: string): Promise<string[]> {
    const key = this.key(room);
    const { live, expired } = await this.write(key, (pipeline) => pipeline);
    this.reportExpired(room, live, expired);
    return [...new Set(live.map(userOf))].sort();
  }

  onChange(listener: PresenceListener): void {
    this.listener = listener;
  }

  /** Stops renewing, removes this instance's entries and closes the connection. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    if (this.redis.status === 'ready') {
      // One command per room: on a cluster, one pipeline may not span slots.
      await Promise.all([...this.local].map(([key, members]) => this.redis.zrem(key, ...members))).catch((error: Error) =>
        this.logger.warn(`clearing room presence failed: ${error.message}`),
      );
      await this.redis.quit();
    } else {
      this.redis.disconnect();
    }
    this.local.clear();
  }

  /**
   * Stops renewing and drops the connection without removing anything, as
   * a crashed instance would: its entries expire after the TTL.
   */
  abandon(): void {
    clearInterval(this.heartbeat);
    this.redis.disconnect();
  }

  /**
   * Runs `change`, prunes expired entries and returns the room's live
   * entries and the expired ones it removed, in one round trip. One MULTI:
   * no other instance can prune (and report) the same expired entries.
   * @returns also the results of `change`'s own commands, in order.
   */
  private async write(key: string, change: (pipeline: ChainableCommander) => unknown, now = Date.now()): Promise<RoomEntries & { changed: unknown[] }> {
    const multi = this.redis.multi();
    // `length` counts the queued MULTI too.
    const queued = multi.length;
    change(multi);
    const ownCommands = multi.length - queued;
    multi
      .zrangebyscore(key, '-inf', now)
      .zremrangebyscore(key, '-inf', now)
      .zrangebyscore(key, now, '+inf')
      .pexpire(key, this.timing.ttlMs * 2);
    const results = await multi.exec();
    if (!results) throw new Error('room presence transaction aborted');
    for (const [error] of results) if (error) throw error;
    const [expired, , live] = results.slice(ownCommands).map(([, value]) => value) as [string[], number, string[]];
    return { live, expired, changed: results.slice(0, ownCommands).map(([, value]) => value) };
  }

  /** Tells the listener about each user of `expired` with no live entry left, except `except` (whose change the caller reports). */
  private reportExpired(room: string, live: string[], expired: string[], except?: string): void {
    if (expired.length === 0) return;
    const present = new Set(live.map(userOf));
    for (const user of new Set(expired.map(userOf))) if (user !== except && !present.has(user)) this.listener(room, user, 'left');
  }

  /** Renews this instance's entries and prunes (and reports) the expired ones of every room it has sockets in. */
  private async renew(): Promise<void> {
    const now = Date.now();
    const expiry = now + this.timing.ttlMs;
    // Every transaction is queued in this tick, in order with add and remove on the same connection.
    await Promise.all([...this.local].map(([key, members]) => this.renewRoom(key, [...members], expiry, now)));
  }

  private async renewRoom(key: string, members: string[], expiry: number, now: number): Promise<void> {
    const { live, expired, changed } = await this.write(
      key,
      (multi) => {
        multi.zrangebyscore(key, now, '+inf');
        for (const member of members) multi.zadd(key, expiry, member);
      },
      now,
    );
    const room = key.slice(this.keyPrefix.length + 1, -1);
    this.reportExpired(room, live, expired);
    // ZADD answers 1 for an entry that was not there: another instance pruned it as expired, and reported its user left.
    const before = new Set((changed[0] as string[]).map(userOf));
    const restored = new Set(members.filter((_, i) => changed[i + 1] === 1).map(userOf));
    for (const user of restored) if (!before.has(user)) this.listener(room, user, 'joined');
  }

  private key(room: string): string {
    return `${this.keyPrefix}{${room}}`;
  }

  private member(connectionId: string, user: string): string {
    return `${this.instance}\n${connectionId}\n${user}`;
  }
}

/** The user of an entry; user ids may themselves contain newlines, so split on the first two only. */
function userOf(entry: string): string {
  return entry.slice(entry.indexOf('\n', entry.indexOf('\n') + 1) + 1);
}
