import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { loadConfig } from '../../src/config/load-config';
import { createTestApp, TestApp } from '../support/create-test-app';
import { dockerfileStage } from '../support/dockerfile';
import { expectEventually } from '../support/expect-eventually';
import { Balancer, nginxInstalled, startBalancer } from '../support/nginx';
import { parseExposition } from '../support/prometheus-text';
import { unique } from '../support/test-env';
import { serviceToken, userToken } from '../support/tokens';
import { TestClient, upgradeStatus } from '../support/ws-client';

const ROOT = join(__dirname, '..', '..');
const CONFIG = join(ROOT, 'deploy', 'nginx.conf');

interface ComposeService {
  build?: string;
  init?: boolean;
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
}

/** Compose's `${VAR}`, `${VAR:-default}` and `${VAR:?error}` interpolation. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z_]+)(?::([-?])([^}]*))?\}/g, (_, name: string, kind?: string, rest?: string) => {
    if (env[name]) return env[name];
    if (kind === '?') throw new Error(`compose refuses to start: ${rest}`);
    return kind === '-' ? (rest ?? '') : '';
  });
}

describe('compose.yaml', () => {
  const services = (load(readFileSync(join(ROOT, 'compose.yaml'), 'utf8')) as { services: Record<string, ComposeService> }).services;
  const replicas = ['herald-1', 'herald-2'];
  const imageEnv = Object.fromEntries(
    dockerfileStage(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'), 'runtime')
      .filter((instruction) => instruction.keyword === 'ENV')
      .flatMap((instruction) => instruction.args.split(/\s+/).map((pair) => pair.split('='))),
  ) as Record<string, string>;
  const replicaEnv = (name: string, env: Record<string, string>) =>
    Object.fromEntries(Object.entries(services[name].environment ?? {}).map(([key, value]) => [key, interpolate(value, env)]));

  it('runs MySQL, Redis, two replicas of the image and a load balancer', () => {
    expect(Object.keys(services).sort()).toEqual(['herald-1', 'herald-2', 'lb', 'mysql', 'redis']);
    for (const name of replicas) expect(services[name]).toMatchObject({ build: '.', init: true });
  });

  it('gives each replica a production config that Herald accepts, on the shared MySQL and Redis', () => {
    for (const name of replicas) {
      const config = loadConfig({ ...imageEnv, ...replicaEnv(name, { JWT_SECRET: 'x'.repeat(32) }) });
      expect(config.nodeEnv).toBe('production');
      expect(config.database.kind === 'mysql' && new URL(config.database.url).hostname).toBe('mysql');
      expect(config.redis?.url && new URL(config.redis.url).hostname).toBe('redis');
    }
    const mysql = services.mysql.environment ?? {};
    const url = new URL(replicaEnv('herald-1', { JWT_SECRET: 'x'.repeat(32) }).DATABASE_URL);
    expect([url.username, decodeURIComponent(url.password), url.pathname.slice(1)]).toEqual([
      mysql.MYSQL_USER,
      interpolate(mysql.MYSQL_PASSWORD, {}),
      mysql.MYSQL_DATABASE,
    ]);
  });

  it('refuses to start without a JWT_SECRET', () => {
    expect(() => replicaEnv('herald-1', {})).toThrow(/JWT_SECRET/);
  });

  it('puts deploy/nginx.conf in front of exactly the replicas, once they are healthy', () => {
    expect(services.lb.volumes).toContain('./deploy/nginx.conf:/etc/nginx/nginx.conf:ro');
    expect(services.lb.depends_on).toEqual(Object.fromEntries(replicas.map((name) => [name, { condition: 'service_healthy' }])));
    const upstreams = [...readFileSync(CONFIG, 'utf8').matchAll(/^\s*server ([\w-]+):3000\b/gm)].map((match) => match[1]);
    expect(upstreams).toEqual(replicas);
  });
});

/**
 * compose.yaml's load balancer, deploy/nginx.conf as written, in front of
 * two replicas of one deployment (shared MySQL, Redis and prefix). Needs
 * Debian's nginx, which .ci/run installs.
 */
(nginxInstalled() ? describe : describe.skip)('deploy/nginx.conf in front of two replicas', () => {
  let replicas: TestApp[] = [];
  let balancer: Balancer;
  let folder: string;
  const clients: TestClient[] = [];
  const wsUrl = () => `ws://127.0.0.1:${balancer.port}/ws`;
  const connect = async (sub: string) => {
    const client = await TestClient.connect(wsUrl(), { token: userToken(sub) });
    clients.push(client);
    return client;
  };
  const openSockets = async (replica: TestApp) => parseExposition((await replica.http().get('/metrics').expect(200)).text).value('herald_ws_connections');

  beforeAll(async () => {
    const prefix = `${unique('herald-lb')}:`;
    replicas = await Promise.all([createTestApp({ REDIS_PREFIX: prefix }), createTestApp({ REDIS_PREFIX: prefix })]);
    folder = mkdtempSync(join(tmpdir(), 'herald-nginx-'));
    balancer = await startBalancer(CONFIG, replicas.map((replica) => new URL(replica.baseUrl).port).map(Number), folder);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  afterAll(async () => {
    await balancer?.stop();
    await Promise.all(replicas.map((replica) => replica.close()));
    if (folder) rmSync(folder, { recursive: true, force: true });
  });

  it('passes WebSocket upgrades through, spreading sockets over both replicas', async () => {
    await Promise.all(Array.from({ length: 6 }, () => connect(unique('u'))));
    const counts = await Promise.all(replicas.map(openSockets));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(6);
    expect(Math.min(...counts)).toBeGreaterThan(0);
  });

  it('delivers a notification POSTed through it to sockets on both replicas', async () => {
    const alice = unique('alice');
    const sockets = await Promise.all(Array.from({ length: 4 }, () => connect(alice)));
    expect(Math.min(...(await Promise.all(replicas.map(openSockets))))).toBeGreaterThan(0);
    const response = await fetch(`http://127.0.0.1:${balancer.port}/notifications`, {
      method: 'POST',
      headers: { authorization: `Bearer ${serviceToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ recipients: [alice], type: 'lb.test' }),
    });
    expect(response.status).toBe(201);
    const [id] = ((await response.json()) as { ids: string[] }).ids;
    await Promise.all(sockets.map((socket) => socket.next('notification', (n) => n.id === id)));
  });

  it("passes the browser's Host, so a same-origin page may open a socket", async () => {
    const origin = `http://127.0.0.1:${balancer.port}`;
    expect(await upgradeStatus(wsUrl(), { token: userToken(unique('page')), headers: { origin } })).toBe(101);
    expect(await upgradeStatus(wsUrl(), { token: userToken(unique('page')), headers: { origin: 'https://elsewhere.example' } })).toBe(403);
  });

  it("carries the client's X-Request-Id to Herald and back, and gives requests without one nginx's id", async () => {
    const id = unique('through-lb');
    const echoed = await fetch(`http://127.0.0.1:${balancer.port}/health`, { headers: { 'x-request-id': id } });
    expect(echoed.headers.get('x-request-id')).toBe(id);
    const generated = await fetch(`http://127.0.0.1:${balancer.port}/health`);
    const rid = generated.headers.get('x-request-id') as string;
    expect(rid).toMatch(/^[0-9a-f]{32}$/);
    await expectEventually(() => expect(balancer.accessLog()).toContain(`rid=${rid}`));
  });

  it('keeps the token of a browser socket out of its access log', async () => {
    const secret = userToken(unique('browser'));
    const client = await TestClient.connect(wsUrl(), { queryToken: secret });
    clients.push(client);
    await client.close();
    // nginx writes an upgraded request's line once both sides have closed.
    await expectEventually(() => expect(balancer.accessLog()).toMatch(/"GET \/ws HTTP\/1\.1" 101 /));
    expect(balancer.accessLog()).not.toContain(secret.split('.')[2]);
  });

  it('does not expose /metrics (each replica is scraped on its own)', async () => {
    expect((await fetch(`http://127.0.0.1:${balancer.port}/metrics`)).status).toBe(404);
  });
});
