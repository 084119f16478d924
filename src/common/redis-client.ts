import Redis, { Cluster, ClusterOptions, RedisOptions } from 'ioredis';
import { RedisConfig } from '../config/herald.config';

/** A connection to one Redis or to a Redis Cluster; both speak the commands Herald uses. */
export type RedisClient = Redis | Cluster;

/** Per-connection options; for a cluster they apply to each node connection. */
export type RedisClientOptions = Pick<
  RedisOptions,
  'connectionName' | 'maxRetriesPerRequest' | 'enableOfflineQueue' | 'enableAutoPipelining' | 'autoResubscribe'
>;

/**
 * Opens the connection `config` names: `new Redis(REDIS_URL)`, or an
 * ioredis `Cluster` over the `REDIS_CLUSTER_NODES` seeds. The only place
 * that tells the two apart when connecting; `shardedSubscribers` gives a
 * cluster one subscriber connection per master, for `SSUBSCRIBE`.
 */
export function createRedisClient(config: RedisConfig, options: RedisClientOptions, cluster: Pick<ClusterOptions, 'shardedSubscribers'> = {}): RedisClient {
  if (config.url !== undefined) return new Redis(config.url, options);
  // No auto-pipelining on a cluster: a pipelined SPUBLISH answered MOVED after a failover fails instead of following the redirect.
  const { enableOfflineQueue, enableAutoPipelining: _pipelining, ...redisOptions } = options;
  return new Cluster(
    config.clusterNodes.map(({ host, port }) => ({ host, port })),
    {
      ...cluster,
      enableOfflineQueue,
      redisOptions,
      // A failover promotes a replica within about cluster-node-timeout: keep retrying a moved or down slot meanwhile.
      retryDelayOnFailover: 200,
      retryDelayOnClusterDown: 200,
    },
  );
}

/** True when `client` is a Redis Cluster connection. */
export function isCluster(client: RedisClient): client is Cluster {
  return client instanceof Cluster;
}
