import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { OwnedProcess, waitUntilReady } from './owned-process';

const run = promisify(execFile);

/** Client ports come from 27000-27999 and cluster bus ports are 1000 above them, inside this suite's private range (27000-28999). */
const FIRST_PORT = 27_000;
const LAST_PORT = 27_999;
const BUS_OFFSET = 1_000;
const NODE_COUNT = 6;
/** A master unreachable for this long is failed over to its replica; short, so a test's failover takes seconds. */
export const CLUSTER_NODE_TIMEOUT_MS = 1_000;
const READY_TIMEOUT_MS = 30_000;

/** One `redis-server --cluster-enabled yes` of a private cluster. */
export interface ClusterNode {
  readonly port: number;
  readonly process: OwnedProcess;
}

/**
 * A 3-master, 3-replica Redis Cluster only this test uses: six
 * `redis-server` processes on private 127.0.0.1 ports, each in its own
 * temporary directory, joined by `redis-cli --cluster create
 * --cluster-replicas 1`. No persistence; a SIGKILLed node stays dead.
 */
export class PrivateRedisCluster {
  private constructor(
    readonly nodes: readonly ClusterNode[],
    private readonly dir: string,
  ) {}

  /** `REDIS_CLUSTER_NODES` for Herald: every node as a seed. */
  get seeds(): string {
    return this.nodes.map(({ port }) => `127.0.0.1:${port}`).join(',');
  }

  /** Seeds as ioredis `Cluster` startup nodes. */
  get startupNodes(): Array<{ host: string; port: number }> {
    return this.nodes.map(({ port }) => ({ host: '127.0.0.1', port }));
  }

  /** @internal Use `startPrivateRedisCluster()`. */
  static async create(): Promise<PrivateRedisCluster> {
    const dir = await mkdtemp(join(tmpdir(), 'herald-redis-cluster-'));
    const nodes: ClusterNode[] = [];
    try {
      const ports = await freePortRun(NODE_COUNT);
      for (const port of ports) nodes.push({ port, process: await startNode(port, dir) });
      const cluster = new PrivateRedisCluster(nodes, dir);
      await run('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '1', '--cluster-yes'], {
        timeout: READY_TIMEOUT_MS,
      });
      await cluster.waitUntilHealthy();
      return cluster;
    } catch (error) {
      await Promise.all(nodes.map(({ process }) => process.stop()));
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Resolves once every running node reports `cluster_state:ok` and every
   * master has a replica in sync, so a master may be killed and failed over.
   */
  async waitUntilHealthy(timeoutMs = READY_TIMEOUT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const problem = await this.healthProblem().catch((error: Error) => error.message);
      if (problem === null) return;
      if (Date.now() > deadline) throw new Error(`private Redis Cluster not healthy within ${timeoutMs} ms: ${problem}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** The port of the master that owns `key`'s slot now (a channel name works too). */
  async masterOf(key: string): Promise<number> {
    const node = this.running()[0];
    const slot = Number(await this.command(node.port, 'CLUSTER', 'KEYSLOT', key));
    const ranges = (await this.command(node.port, 'CLUSTER', 'SLOTS')) as Array<[number, number, [string, number, ...unknown[]], ...unknown[]]>;
    const range = ranges.find(([from, to]) => slot >= from && slot <= to);
    if (!range) throw new Error(`no node owns slot ${slot}`);
    return range[2][1];
  }

  /** SIGKILLs the node on `port`, as a crash; resolves once it has exited. */
  async kill(port: number): Promise<void> {
    const node = this.nodes.find((candidate) => candidate.port === port);
    if (!node) throw new Error(`no private cluster node on ${port}`);
    node.process.kill('SIGKILL');
    await node.process.exited;
  }

  /** Stops every node and removes their directories; safe to call more than once. */
  async dispose(): Promise<void> {
    await Promise.all(this.nodes.map(({ process }) => process.stop()));
    await rm(this.dir, { recursive: true, force: true });
  }

  private running(): ClusterNode[] {
    return this.nodes.filter(({ process }) => process.running);
  }

  /** Null when healthy, else what is not. */
  private async healthProblem(): Promise<string | null> {
    for (const { port } of this.running()) {
      const info = String(await this.command(port, 'CLUSTER', 'INFO'));
      if (!/^cluster_state:ok/m.test(info)) return `node ${port}: ${/^cluster_state:\w+/m.exec(info)?.[0] ?? 'no cluster_state'}`;
      const replication = String(await this.command(port, 'INFO', 'replication'));
      if (/^role:master/m.test(replication) && !/^slave0:.*state=online/m.test(replication)) return `master ${port} has no replica online`;
    }
    return null;
  }

  private async command(port: number, ...args: string[]): Promise<unknown> {
    const redis = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    // A node not listening yet is an expected failure of this probe, reported by connect(); not an unhandled event.
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return await redis.call(args[0], ...args.slice(1));
    } finally {
      redis.disconnect();
    }
  }
}

/**
 * Starts a private 3-master, 3-replica Redis Cluster. Call `dispose()` in
 * `afterAll`; if the test process dies first, the kernel kills the nodes with it.
 */
export function startPrivateRedisCluster(): Promise<PrivateRedisCluster> {
  return PrivateRedisCluster.create();
}

async function startNode(port: number, dir: string): Promise<OwnedProcess> {
  const args = [
    '--port',
    String(port),
    '--cluster-port',
    String(port + BUS_OFFSET),
    '--bind',
    '127.0.0.1',
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    `nodes-${port}.conf`,
    '--cluster-node-timeout',
    String(CLUSTER_NODE_TIMEOUT_MS),
    // Fail over however long the replica was out of touch: a test kills masters on purpose.
    '--cluster-replica-validity-factor',
    '0',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
  ];
  const server = OwnedProcess.spawn(`redis-server (cluster) on ${port}`, 'redis-server', args, { cwd: dir });
  try {
    await waitUntilReady(`private cluster node on ${port} answering PING`, server, () => pong(port), { timeoutMs: READY_TIMEOUT_MS });
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

async function pong(port: number): Promise<boolean> {
  const redis = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } finally {
    redis.disconnect();
  }
}

/** `count` consecutive client ports whose bus ports are free too, from a random start in the range so parallel runs rarely collide. */
async function freePortRun(count: number): Promise<number[]> {
  const span = LAST_PORT - FIRST_PORT + 1 - count;
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = FIRST_PORT + Math.floor(Math.random() * span);
    const ports = Array.from({ length: count }, (_, i) => first + i);
    const free = await Promise.all(ports.flatMap((port) => [isFree(port), isFree(port + BUS_OFFSET)]));
    if (free.every(Boolean)) return ports;
  }
  throw new Error(`no ${count} free consecutive ports in ${FIRST_PORT}-${LAST_PORT}`);
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Starts a private Redis Cluster before the block and disposes of it after
 * (nodes stop even when a test killed some). Put Herald fixtures that use
 * it in a nested describe, so Herald stops before its cluster does.
 */
export function usePrivateRedisCluster(): { readonly cluster: PrivateRedisCluster } {
  let cluster: PrivateRedisCluster | undefined;
  beforeAll(async () => {
    cluster = await startPrivateRedisCluster();
  }, 90_000);
  afterAll(async () => {
    await cluster?.dispose();
  }, 30_000);
  return {
    get cluster(): PrivateRedisCluster {
      if (!cluster) throw new Error('usePrivateRedisCluster().cluster did not start');
      return cluster;
    },
  };
}
