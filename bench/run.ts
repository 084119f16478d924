import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, totalmem } from 'node:os';
import { basename, join } from 'node:path';
import Redis from 'ioredis';
import { createConnection } from 'mysql2/promise';
import { liveClients } from './lib/load-clients';
import { markdown, RunInfo } from './lib/report';
import { children } from './lib/servers';
import { BenchContext, Workload, WorkloadReport } from './lib/workload';
import { summarizeProfile } from './profile-summary';
import { PrivateRedisCluster, startPrivateRedisCluster } from '../test/support/private-redis-cluster';
import { batch } from './workloads/batch';
import { connections } from './workloads/connections';
import { counts } from './workloads/counts';
import { fanout } from './workloads/fanout';
import { reconnectStorm } from './workloads/reconnect-storm';
import { restPath } from './workloads/rest-path';
import { rollbackStall } from './workloads/rollback-stall';
import { slowConsumer } from './workloads/slow-consumer';
import { targeted } from './workloads/targeted';
import { twoInstances } from './workloads/two-instances';

/**
 * `npm run bench [-- --workload fanout,targeted --quick --profile --docs|--no-docs]`
 *
 * Starts Herald and the raw `ws` baseline (bench/baseline) as separate
 * processes, drives them from load-client child processes, and reports every
 * workload for both with their ratio: bench/results/<timestamp>.json (full
 * runs also copied to latest.json) and a markdown section appended to
 * docs/performance.md (full runs; quick runs only with --docs).
 *
 * Env: BENCH_MYSQL_URL (mysql://root@127.0.0.1:3306), BENCH_REDIS_URL
 * (redis://127.0.0.1:6379), BENCH_DATABASE (`herald_bench`): that database is
 * dropped and re-created at the start of every run, so runs sharing a MySQL
 * server at the same time need one each. Setups on a Redis Cluster get a
 * private 3-master, 3-replica one (redis-server on ports 27000-28999),
 * stopped at the end of the run.
 */
const WORKLOADS: Workload[] = [fanout, targeted, rollbackStall, batch, connections, slowConsumer, twoInstances, reconnectStorm, counts, restPath];
/** Run only when named: `rest-path` compares two Herald builds (see its doc), not Herald with the baseline. */
const ON_REQUEST = new Set(['rest-path']);
const REPO = join(__dirname, '..', '..');
const RESULTS = join(REPO, 'bench', 'results');
const DATABASE = process.env.BENCH_DATABASE ?? 'herald_bench';
if (!/^[A-Za-z0-9_]{1,64}$/.test(DATABASE)) throw new Error(`BENCH_DATABASE must match ^[A-Za-z0-9_]{1,64}$: ${DATABASE}`);

interface Options {
  workloads: Workload[];
  quick: boolean;
  profile: boolean;
  docs: boolean;
}

function parseArgs(argv: string[]): Options {
  let names = WORKLOADS.filter((w) => !ON_REQUEST.has(w.name)).map((w) => w.name);
  let quick = false;
  let profile = false;
  let docs: boolean | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--workload' || arg === '--workloads') names = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (arg.startsWith('--workload=')) names = arg.slice('--workload='.length).split(',').filter(Boolean);
    else if (arg === '--quick') quick = true;
    else if (arg === '--profile') profile = true;
    else if (arg === '--docs') docs = true;
    else if (arg === '--no-docs') docs = false;
    else
      throw new Error(
        `unknown argument ${arg}; usage: npm run bench -- [--workload ${WORKLOADS.map((w) => w.name).join(',')}] [--quick] [--profile] [--docs|--no-docs]`,
      );
  }
  const unknown = names.filter((name) => !WORKLOADS.some((w) => w.name === name));
  if (unknown.length > 0) throw new Error(`unknown workload ${unknown.join(', ')}; known: ${WORKLOADS.map((w) => w.name).join(', ')}`);
  return { workloads: WORKLOADS.filter((w) => names.includes(w.name)), quick, profile, docs: docs ?? !quick };
}

/** Hard time limit per workload, in ms: everything it started is killed when it passes. */
function workloadTimeoutMs(quick: boolean): number {
  return quick ? 90_000 : 600_000;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function recreateDatabase(mysqlUrl: string): Promise<void> {
  const connection = await createConnection({ uri: mysqlUrl });
  try {
    await connection.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await connection.query(`CREATE DATABASE ${DATABASE} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await connection.end();
  }
}

async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 })) if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
  } finally {
    redis.disconnect();
  }
}

function killEverything(): void {
  for (const client of liveClients) client.kill();
  for (const child of children) child.kill('SIGKILL');
}

async function runWorkload(workload: Workload, context: BenchContext): Promise<WorkloadReport> {
  const limit = workloadTimeoutMs(context.quick);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Killing the load clients fails their pending requests, which unwinds the workload and stops its servers.
      killEverything();
      reject(new Error(`timed out after ${limit / 1000} s`));
    }, limit);
  });
  try {
    return await Promise.race([workload.run(context), timeout]);
  } catch (error) {
    return {
      name: workload.name,
      description: workload.description,
      config: {},
      setups: {},
      subject: '',
      reference: '',
      targets: [],
      notes: [],
      error: (error as Error).stack ?? String(error),
    };
  } finally {
    clearTimeout(timer);
    killEverything();
  }
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
  } catch (error) {
    return `unknown (${(error as Error).message.split('\n')[0]})`;
  }
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const mysqlUrl = process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const runId = `b${randomBytes(3).toString('hex')}`;
  const logDir = join(RESULTS, 'logs', stamp);
  const profileDir = options.profile ? join(RESULTS, 'profiles', stamp) : undefined;
  mkdirSync(logDir, { recursive: true });
  if (profileDir) mkdirSync(profileDir, { recursive: true });
  await recreateDatabase(mysqlUrl);

  let cluster: Promise<PrivateRedisCluster> | undefined;
  const context: BenchContext = {
    runId,
    quick: options.quick,
    secret: randomBytes(32).toString('hex'),
    environment: { databaseUrl: `${mysqlUrl.replace(/\/$/, '')}/${DATABASE}`, redisUrl, redisPrefix: `bench-${runId}:`, jwtSecret: '' },
    logDir,
    profileDir,
    freePort,
    profiles: [],
    redisCluster: async () => (await (cluster ??= startPrivateRedisCluster())).seeds,
  };
  context.environment.jwtSecret = context.secret;
  const loadBefore = loadavg();
  console.log(`bench ${runId}: ${options.workloads.map((w) => w.name).join(', ')} (${options.quick ? 'quick' : 'full'}); logs in ${logDir}`);

  const reports: WorkloadReport[] = [];
  for (const workload of options.workloads) {
    const began = Date.now();
    console.log(`\n== ${workload.name}`);
    const report = await runWorkload(workload, context);
    reports.push(report);
    if (report.error) console.log(`   FAILED: ${report.error}`);
    for (const target of report.targets) console.log(`   ${target.met ? 'met    ' : 'NOT MET'} ${target.target}: ${target.detail}`);
    console.log(`   (${((Date.now() - began) / 1000).toFixed(1)} s)`);
  }
  await deleteRedisKeys(redisUrl, context.environment.redisPrefix);
  if (cluster) await (await cluster).dispose();

  const info: RunInfo = {
    runId,
    startedAt: startedAt.toISOString(),
    mode: options.quick ? 'quick' : 'full',
    commit: commit(),
    node: process.version,
    cpus: `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverageBefore: loadBefore,
    loadAverageAfter: loadavg(),
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
  };
  // Profiles are read over the measured phase only: no start-up, connecting or warm-up.
  const profiles =
    context.profiles.length > 0
      ? Object.fromEntries(
          context.profiles
            .filter(({ file }) => existsSync(file))
            .map(({ file, window }) => [basename(file), { window, ...summarizeProfile(file, 20, window) }]),
        )
      : undefined;
  const json = join(RESULTS, `${stamp}.json`);
  writeFileSync(json, `${JSON.stringify({ info, reports, profiles }, null, 2)}\n`);
  // latest.json (the one results file kept in git) is the last full run; quick runs never replace it.
  if (!options.quick) copyFileSync(json, join(RESULTS, 'latest.json'));
  const table = markdown(info, reports);
  console.log(`\n${table}`);
  const doc = join(REPO, 'docs', 'performance.md');
  if (options.docs && existsSync(doc)) {
    appendFileSync(doc, `\n${table}`);
    console.log(`appended to ${doc}`);
  }
  console.log(`results: ${json}`);
  if (profiles) {
    console.log(`profiles: ${profileDir} (summaries in the JSON; node dist/bench/profile-summary.js <file> [top] [from to] for more)`);
    for (const [file, summary] of Object.entries(profiles)) {
      console.log(`\n${file}: busy ${summary.busyMs} ms, idle ${summary.idleMs} ms over the measured phase`);
      for (const row of summary.byPackage.slice(0, 10)) console.log(`  ${row.share.toFixed(1).padStart(5)}%  ${row.name}`);
      for (const row of summary.byFunction.slice(0, 12)) console.log(`  ${row.share.toFixed(1).padStart(5)}%  ${row.name}`);
    }
  }
}

process.on('exit', killEverything);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killEverything();
    process.exit(130);
  });
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.error(error);
    process.exit(1);
  },
);
