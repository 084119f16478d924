import { join } from 'node:path';
import { DeliveryFigures, DeliveryPlan, runDelivery } from './delivery-run';
import { ServerEnvironment, ServerProcess, ServerSpec } from './servers';

/** What every workload gets from the coordinator. */
export interface BenchContext {
  runId: string;
  quick: boolean;
  secret: string;
  environment: ServerEnvironment;
  logDir: string;
  /** Set with --profile: fanout and targeted write a Herald CPU profile here. */
  profileDir?: string;
  /** A free TCP port on 127.0.0.1. */
  freePort(): Promise<number>;
  /** CPU profiles written so far, with the measured phase they should be read over. */
  profiles: Array<{ file: string; window: [number, number] }>;
  /** `REDIS_CLUSTER_NODES` of a private 3-master, 3-replica Redis Cluster, started at the first call and stopped at the end of the run. */
  redisCluster(): Promise<string>;
}

/** One checked target of the issue. */
export interface TargetCheck {
  target: string;
  met: boolean;
  detail: string;
}

export interface WorkloadReport {
  name: string;
  description: string;
  config: Record<string, number | string>;
  /** Figures per setup, e.g. `herald` and `baseline`. */
  setups: Record<string, DeliveryFigures>;
  /** The table's ratio column is subject / reference. */
  subject: string;
  reference: string;
  targets: TargetCheck[];
  notes: string[];
  error?: string;
}

export interface Workload {
  name: string;
  description: string;
  run(context: BenchContext): Promise<WorkloadReport>;
}

/** A setup: the servers one delivery run talks to. */
export interface Setup {
  name: string;
  servers: Array<Pick<ServerSpec, 'kind' | 'workers' | 'repo'> & { profile?: string; redisCluster?: boolean }>;
}

/**
 * With `BENCH_COMPARE_REPO=<another checkout, built>`, a setup `herald
 * (compare)` running that checkout's Herald, for before/after figures
 * side by side in one run; none otherwise.
 */
export function compareSetups(): Setup[] {
  const repo = process.env.BENCH_COMPARE_REPO;
  return repo ? [{ name: 'herald (compare)', servers: [{ kind: 'herald', repo }] }] : [];
}

/** The usual pair: Herald, then the baseline; with `profile`, both write a CPU profile under --profile. */
export function heraldAndBaseline(profile?: string): Setup[] {
  return [
    { name: 'herald', servers: [{ kind: 'herald', profile: profile && `herald-${profile}` }] },
    { name: 'baseline', servers: [{ kind: 'baseline', profile: profile && `baseline-${profile}` }] },
  ];
}

/** Starts a setup's servers, runs the plan against them, and stops them whatever happens. */
export async function runSetup(context: BenchContext, workload: string, setup: Setup, plan: DeliveryPlan): Promise<DeliveryFigures> {
  const servers: ServerProcess[] = [];
  try {
    for (const [i, server] of setup.servers.entries()) {
      const label = `${workload}-${setup.name.replace(/\W+/g, '_')}-${i}`;
      servers.push(
        await ServerProcess.start(
          {
            kind: server.kind,
            workers: server.workers,
            redisClusterNodes: server.redisCluster ? await context.redisCluster() : undefined,
            repo: server.repo,
            port: await context.freePort(),
            logFile: join(context.logDir, `${label}.log`),
            profileFile: server.profile && context.profileDir ? join(context.profileDir, `${server.profile}.cpuprofile`) : undefined,
          },
          context.environment,
        ),
      );
    }
    const figures = await runDelivery(`${workload}-${setup.name.replace(/\W+/g, '_')}`, servers, plan, context.secret, context.runId, context.quick);
    for (const server of servers) if (server.spec.profileFile) context.profiles.push({ file: server.spec.profileFile, window: figures.window });
    return figures;
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

/** Runs each setup in turn with the same plan. */
export async function runSetups(context: BenchContext, workload: string, setups: Setup[], plan: DeliveryPlan): Promise<Record<string, DeliveryFigures>> {
  const figures: Record<string, DeliveryFigures> = {};
  for (const setup of setups) figures[setup.name] = await runSetup(context, workload, setup, plan);
  return figures;
}

/** The common no-loss check of a delivery workload. */
export function exactDelivery(figures: DeliveryFigures): string {
  return `${figures.delivered}/${figures.expected} delivered, ${figures.lost} lost, ${figures.duplicates} duplicates, ${figures.misdelivered} misdelivered`;
}

export function ratio(a: number, b: number): number {
  return b === 0 ? Number.NaN : a / b;
}

export function fixed(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}
