import Redis from 'ioredis';

/** Connections Redis accepts again after `refuseNewClients()`: its default. */
const DEFAULT_MAXCLIENTS = '10000';

/**
 * An admin connection to a (private) Redis that a fault test uses to break
 * Herald's subscriber connections the way a failover or a network blip
 * does. Commands fail fast (one retry) instead of queueing.
 */
export class RedisAdmin {
  private readonly redis: Redis;

  constructor(url: string) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 1 });
  }

  /** `CLIENT KILL TYPE pubsub`: drops every subscriber connection; resolves with how many there were. */
  async dropSubscribers(): Promise<number> {
    return Number(await this.redis.call('CLIENT', 'KILL', 'TYPE', 'pubsub'));
  }

  /** Drops only the subscriber connections named `name` (`CLIENT SETNAME`, ioredis' `connectionName`); resolves with how many. */
  async dropSubscribersNamed(name: string): Promise<number> {
    const ids = String(await this.redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub'))
      .split('\n')
      .filter((line) => line.split(' ').includes(`name=${name}`))
      .map((line) => /\bid=(\d+)/.exec(line)?.[1])
      .filter((id): id is string => id !== undefined);
    for (const id of ids) await this.redis.call('CLIENT', 'KILL', 'ID', id);
    return ids.length;
  }

  /** How many subscriber connections are open right now. */
  async subscriberCount(): Promise<number> {
    return String(await this.redis.call('CLIENT', 'LIST', 'TYPE', 'pubsub'))
      .split('\n')
      .filter((line) => line.trim() !== '').length;
  }

  /** `maxclients 1`: Redis refuses every new connection while this one stays open. */
  async refuseNewClients(): Promise<void> {
    await this.redis.call('CONFIG', 'SET', 'maxclients', '1');
  }

  /** Back to the default `maxclients`. */
  async acceptNewClients(): Promise<void> {
    await this.redis.call('CONFIG', 'SET', 'maxclients', DEFAULT_MAXCLIENTS);
  }

  close(): void {
    this.redis.disconnect();
  }
}
