import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerfileStage, runStage, StageResult } from '../support/dockerfile';
import { expectEventually } from '../support/expect-eventually';
import { ExitStatus, freePort, OwnedProcess, waitUntilReady } from '../support/owned-process';
import { acquireTestDatabase, releaseTestDatabase } from '../support/test-database';
import { TEST_JWT_SECRET, TEST_REDIS_URL, unique } from '../support/test-env';
import { TestClient } from '../support/ws-client';

const ROOT = join(__dirname, '..', '..');
const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
/** npm ci from the npm cache, tsc from scratch, on a shared two-core machine. */
const STEP_TIMEOUT_MS = 150_000;
const READY_TIMEOUT_MS = 60_000;

/**
 * No container engine runs on the CI machines, so this runs the
 * Dockerfile's own instructions here, each stage in a fresh folder standing
 * in for its filesystem: the build stage (its `npm ci` is this checkout's
 * install, linked in), then the runtime stage (`npm ci --omit=dev` against
 * the registry, npm's cache allowed), then the image's CMD as its USER
 * against MySQL and Redis.
 */
describe('the Dockerfile runtime stage, run outside a container', () => {
  const rootOnly = process.getuid?.() === 0 ? it : it.skip;
  let image: string;
  let stage: StageResult;
  let app: string;
  let herald: OwnedProcess;
  let port: number;
  let databaseUrl: string;

  /** Runs a command inside the image folder as the image's user, with its environment. */
  const inImage = async (command: string[], env: Record<string, string> = {}): Promise<{ status: ExitStatus; output: string }> => {
    const child = OwnedProcess.spawn(command.join(' '), command[0], command.slice(1), {
      cwd: app,
      env: { PATH: process.env.PATH, ...stage.env, ...env },
      ...(stage.user ? { user: stage.user } : {}),
    });
    const status = await child.waitForExit(30_000);
    return { status, output: child.output() };
  };

  beforeAll(
    async () => {
      if (process.getuid?.() !== 0) return;
      image = mkdtempSync(join(tmpdir(), 'herald-image-'));
      // mkdtemp makes it private to root; the image's user must reach /app.
      chmodSync(image, 0o755);
      const build = await runStage(dockerfileStage(DOCKERFILE, 'build'), {
        root: join(image, 'build-stage'),
        context: ROOT,
        stages: {},
        // The build stage's full install is this checkout's own (what .ci/run's npm ci made).
        replacedRuns: { 'npm ci --no-audit --no-fund': (workdir) => symlinkSync(join(ROOT, 'node_modules'), join(workdir, 'node_modules')) },
        runTimeoutMs: STEP_TIMEOUT_MS,
      });
      stage = await runStage(dockerfileStage(DOCKERFILE, 'runtime'), {
        root: join(image, 'runtime-stage'),
        context: ROOT,
        stages: { build: join(image, 'build-stage', build.workdir) },
        // Same packages as a cold install (the lock pins versions and integrity), without asking the registry about cached ones.
        runEnv: { npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' },
        runTimeoutMs: STEP_TIMEOUT_MS,
      });
      app = join(image, 'runtime-stage', stage.workdir);
      if (!stage.cmd) throw new Error('the runtime stage has no CMD');

      databaseUrl = await acquireTestDatabase(unique('runtime-image'));
      port = await freePort();
      herald = OwnedProcess.spawn('herald (runtime image)', stage.cmd[0], stage.cmd.slice(1), {
        cwd: app,
        env: {
          PATH: process.env.PATH,
          ...stage.env,
          PORT: String(port),
          HOST: '127.0.0.1',
          DATABASE_URL: databaseUrl,
          REDIS_URL: TEST_REDIS_URL,
          REDIS_PREFIX: `${unique('runtime-image')}:`,
          JWT_SECRET: TEST_JWT_SECRET,
        },
        ...(stage.user ? { user: stage.user } : {}),
      });
      await waitUntilReady('the runtime image answering GET /health/ready', herald, async () => (await fetch(`http://127.0.0.1:${port}/health/ready`)).ok, {
        timeoutMs: READY_TIMEOUT_MS,
        intervalMs: 100,
      });
    },
    3 * STEP_TIMEOUT_MS + READY_TIMEOUT_MS,
  );

  afterAll(async () => {
    if (herald) await herald.stop(10_000);
    if (databaseUrl) await releaseTestDatabase(databaseUrl);
    if (image) rmSync(image, { recursive: true, force: true });
  });

  rootOnly('runs the compiled service as a user that is not root, with NODE_ENV=production', () => {
    expect(stage.env.NODE_ENV).toBe('production');
    expect(stage.user).toEqual(expect.objectContaining({ name: expect.any(String) }));
    expect(stage.user?.uid).not.toBe(0);
    // The built dist/, no compile step and no npm wrapper between the engine's signals and Node.
    expect(stage.cmd).toEqual(['node', 'dist/src/main.js']);
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts['start:prod']).toBe('node dist/src/main.js');
  });

  rootOnly('installs the production dependencies only', () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const dev = Object.entries(lock.packages).filter(([path, entry]) => path.startsWith('node_modules/') && entry.dev === true);
    expect(dev.length).toBeGreaterThan(0);
    expect(dev.filter(([path]) => existsSync(join(app, path))).map(([path]) => path)).toEqual([]);
    for (const name of ['typescript', 'jest', 'ts-jest', '@nestjs/testing']) expect(existsSync(join(app, 'node_modules', name))).toBe(false);
  });

  rootOnly('requires, anywhere in dist/, only production dependencies and Node built-ins', () => {
    const dependencies = new Set(Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).dependencies as Record<string, string>));
    const required = new Set<string>();
    for (const file of readdirSync(join(app, 'dist'), { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.js'))) {
      for (const [, specifier] of readFileSync(join(app, 'dist', file), 'utf8').matchAll(/\brequire\("([^"]+)"\)/g)) {
        if (specifier.startsWith('.') || isBuiltin(specifier)) continue;
        required.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);
      }
    }
    expect(required.size).toBeGreaterThan(10);
    expect([...required].filter((name) => !dependencies.has(name)).sort()).toEqual([]);
  });

  rootOnly('applies the migrations from dist/ and answers its own HEALTHCHECK', async () => {
    expect(stage.healthcheck?.join(' ')).toContain('/health');
    const { status, output } = await inImage(stage.healthcheck as string[], { PORT: String(port) });
    expect({ status, output }).toEqual({ status: { code: 0, signal: null }, output: '' });
  });

  rootOnly('delivers a notification to a WebSocket, with tokens from its own CLI', async () => {
    const token = async (args: string[]) => {
      const { status, output } = await inImage(['node', 'dist/src/cli/token.js', ...args], { JWT_SECRET: TEST_JWT_SECRET });
      expect(status.code).toBe(0);
      return output.trim().split('\n').pop() as string;
    };
    const alice = unique('alice');
    const client = await TestClient.connect(`ws://127.0.0.1:${port}/ws`, { token: await token(['--sub', alice]) });
    try {
      const response = await fetch(`http://127.0.0.1:${port}/notifications`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await token(['--sub', 'billing', '--roles', 'service'])}`, 'content-type': 'application/json' },
        body: JSON.stringify({ recipients: [alice], type: 'invoice.paid', payload: { invoice: 'INV-7' } }),
      });
      expect(response.status).toBe(201);
      const { ids } = (await response.json()) as { ids: string[] };
      expect(await client.next('notification', (n) => n.id === ids[0])).toMatchObject({ type: 'invoice.paid', payload: { invoice: 'INV-7' } });
    } finally {
      await client.close();
    }
  });

  rootOnly('serves the web client from the files the image carries', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    await response.arrayBuffer();
  });

  rootOnly("loads the embedded database's native binding copied from the build stage", async () => {
    const script = "const db = new (require('better-sqlite3'))(':memory:'); console.log(db.prepare('select 41 + 1 as n').get().n)";
    const { status, output } = await inImage(['node', '-e', script]);
    expect({ status, output: output.trim() }).toEqual({ status: { code: 0, signal: null }, output: '42' });
  });

  rootOnly('logs JSON lines with request ids and no token', async () => {
    const secret = `eyJ${unique('not-a-token')}`;
    const response = await fetch(`http://127.0.0.1:${port}/health?access_token=${secret}`, { headers: { 'x-request-id': 'runtime-image-check' } });
    expect(response.headers.get('x-request-id')).toBe('runtime-image-check');
    const line = await expectEventually(() => {
      // Every line is JSON (NODE_ENV=production); the request's is among them once its response has finished.
      const found = herald
        .output()
        .split('\n')
        .filter(Boolean)
        .map((text) => JSON.parse(text) as Record<string, any>)
        .find((entry) => entry.reqId === 'runtime-image-check');
      expect(found).toBeDefined();
      return found as Record<string, any>;
    });
    expect(line).toMatchObject({ level: 'info', req: { url: '/health?access_token=[Redacted]' }, res: { statusCode: 200 } });
    expect(herald.output()).not.toContain(secret);
  });

  rootOnly('says why in JSON when it cannot start (no database)', async () => {
    const unreachable = OwnedProcess.spawn('herald without a database', stage.cmd?.[0] as string, stage.cmd?.slice(1) ?? [], {
      cwd: app,
      env: {
        PATH: process.env.PATH,
        ...stage.env,
        PORT: String(await freePort()),
        HOST: '127.0.0.1',
        DATABASE_URL: 'mysql://root@127.0.0.1:9/none',
        JWT_SECRET: TEST_JWT_SECRET,
      },
      ...(stage.user ? { user: stage.user } : {}),
    });
    expect((await unreachable.waitForExit(60_000)).code).toBe(1);
    const lines = unreachable
      .output()
      .split('\n')
      .filter(Boolean)
      .map((text) => JSON.parse(text) as Record<string, any>);
    expect(lines.find((line) => line.level === 'error' && /ECONNREFUSED/.test(JSON.stringify(line.err)))).toBeDefined();
  });

  rootOnly('shuts down gracefully on SIGTERM: sockets get 1001, the process exits by itself', async () => {
    const { status, output } = await inImage(['node', 'dist/src/cli/token.js', '--sub', unique('bob')], { JWT_SECRET: TEST_JWT_SECRET });
    expect(status.code).toBe(0);
    const client = await TestClient.connect(`ws://127.0.0.1:${port}/ws`, { token: output.trim().split('\n').pop() as string });
    const exit = herald.stop(15_000);
    expect((await client.closed).code).toBe(1001);
    // Nest re-raises SIGTERM once its shutdown hooks ran; a SIGKILL would mean the grace ran out.
    expect([
      { code: 0, signal: null },
      { code: null, signal: 'SIGTERM' },
    ]).toContainEqual(await exit);
  });
});
