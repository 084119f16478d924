import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { RedisConfig } from '../config/herald.config';
import { RoomPresence } from './room-presence';

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

/**
 * Presence shared by every instance through Redis: one sorted set per room
 * (`<REDIS_PREFIX>room-presence:<room>`) whose members are
 * `<instance>\n<connectionId>\n<user>` scored by their expiry time. Each
 * instance renews its own entries every 10 s, so the sockets of an
 * instance that dies without saying goodbye drop out within 30 s; expired
 * entries are pruned on every read.
 */
export class RedisRoomPresence implements RoomPresence {
  private readonly redis: Redis;
  private readonly keyPrefix: string;
  private readonly instance = randomUUID();
  /** This instance's entries: Redis key -> members. */
  private readonly local = new Map<string, Set<string>>();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly logger = new Logger(RedisRoomPresence.name);

  constructor(
    config: RedisConfig,
    private readonly timing: PresenceTiming = { ttlMs: PRESENCE_TTL_MS, heartbeatMs: PRESENCE_HEARTBEAT_MS },
  ) {
    this.keyPrefix = `${config.prefix}room-presence:`;
    this.redis = new Redis(config.url, { connectionName: 'herald-presence', maxRetriesPerRequest: 1 });
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
    const entries = await this.write(key, (pipeline) => pipeline.zadd(key, Date.now() + this.timing.ttlMs, member));
    return !entries.some((entry) => entry !== member && userOf(entry) === user);
  }

  async remove(room: string, user: string, connectionId: string): Promise<boolean> {
    const key = this.key(room);
    const member = this.member(connectionId, user);
    const members = this.local.get(key);
    if (!members?.delete(member)) return false;
    if (members.size === 0) this.local.delete(key);
    const entries = await this.write(key, (pipeline) => pipeline.zrem(key, member));
    return !entries.some((entry) => userOf(entry) === user);
  }

  async members(room: string): Promise<string[]> {
    const key = this.key(room);
    const entries = await this.write(key, (pipeline) => pipeline);
    return [...new Set(entries.map(userOf))].sort();
  }

  /** Stops renewing, removes this instance's entries and closes the connection. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    if (this.redis.status === 'ready') {
      const pipeline = this.redis.pipeline();
      for (const [key, members] of this.local) pipeline.zrem(key, ...members);
      await pipeline.exec().catch((error: Error) => this.logger.warn(`clearing room presence failed: ${error.message}`));
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

  /** Runs `change`, prunes expired entries and returns the room's live entries, in one round trip. */
  private async write(key: string, change: (pipeline: ReturnType<Redis['multi']>) => unknown): Promise<string[]> {
    const now = Date.now();
    const multi = this.redis.multi();
    change(multi);
    multi.zremrangebyscore(key, '-inf', now).zrangebyscore(key, now, '+inf').pexpire(key, this.timing.ttlMs * 2);
    const results = await multi.exec();
    if (!results) throw new Error('room presence transaction aborted');
    for (const [error] of results) if (error) throw error;
    return results[results.length - 2][1] as string[];
  }

  private async renew(): Promise<void> {
    if (this.local.size === 0) return;
    const expiry = Date.now() + this.timing.ttlMs;
    const pipeline = this.redis.pipeline();
    for (const [key, members] of this.local) {
      for (const member of members) pipeline.zadd(key, expiry, member);
      pipeline.pexpire(key, this.timing.ttlMs * 2);
    }
    await pipeline.exec();
  }

  private key(room: string): string {
    return this.keyPrefix + room;
  }

  private member(connectionId: string, user: string): string {
    return `${this.instance}\n${connectionId}\n${user}`;
  }
}

/** The user of an entry; user ids may themselves contain newlines, so split on the first two only. */
function userOf(entry: string): string {
  return entry.slice(entry.indexOf('\n', entry.indexOf('\n') + 1) + 1);
}
