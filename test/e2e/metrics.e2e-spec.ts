import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestApp, TestApp } from '../support/create-test-app';
import { expectEventually } from '../support/expect-eventually';
import { Exposition, parseExposition, promtoolCheck } from '../support/prometheus-text';
import { unique } from '../support/test-env';
import { adminToken, serviceToken, userToken } from '../support/tokens';
import { useHerald } from '../support/use-herald';
import { upgradeStatus } from '../support/ws-client';

const METRICS_TOKEN = 'scrape-token-0123456789abcdef';
/** A port nothing listens on, so Redis is unreachable. */
const CLOSED_REDIS_URL = 'redis://127.0.0.1:6390/0';

/** The names docs/operations.md promises, with their types. */
const CONTRACT: Record<string, string> = {
  herald_ws_connections: 'gauge',
  herald_ws_upgrades_refused_total: 'counter',
  herald_notifications_stored_total: 'counter',
  herald_deliveries_total: 'counter',
  herald_delivery_latency_seconds: 'histogram',
  herald_broadcaster_up: 'gauge',
  http_request_duration_seconds: 'histogram',
};

async function scrape(app: TestApp, authorization?: string): Promise<{ text: string; metrics: Exposition }> {
  const request = app.http().get('/metrics');
  if (authorization) request.set('authorization', authorization);
  const response = await request.expect(200);
  const [type, ...parameters] = String(response.headers['content-type']).split(/; */);
  expect({ type, parameters: parameters.sort() }).toEqual({ type: 'text/plain', parameters: ['charset=utf-8', 'version=0.0.4'] });
  return { text: response.text, metrics: parseExposition(response.text) };
}

describe('GET /metrics', () => {
  const fixture = useHerald();
  const metrics = async () => (await scrape(fixture.app)).metrics;
  const notify = (recipients: string[]) =>
    fixture.app.http().post('/notifications').set('authorization', `Bearer ${serviceToken()}`).send({ recipients, type: 'metrics.test' }).expect(201);

  it('answers the Prometheus text format with every contract name and the Node/process defaults', async () => {
    const { text, metrics: exposition } = await scrape(fixture.app);
    for (const [name, type] of Object.entries(CONTRACT)) expect({ name, type: exposition.types.get(name) }).toEqual({ name, type });
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(exposition.types.has(name)).toBe(true);
    }
    // promtool parses strictly and lints; exit 3 is lint only, and prom-client's own defaults draw some
    // (nodejs_active_handles_total is a gauge with a _total suffix). Herald's metrics must draw none.
    const promtool = promtoolCheck(text);
    if (promtool) {
      const problems = promtool.output.split('\n').filter((line) => line.trim() !== '' && !/^(nodejs|process)_/.test(line));
      expect({ status: [0, 3].includes(promtool.status ?? -1), problems }).toEqual({ status: true, problems: [] });
    }
  });

  it('counts a stored targeted notification and its delivery to each socket, with its latency', async () => {
    const alice = unique('alice');
    const [phone, laptop] = await Promise.all([fixture.connect(alice), fixture.connect(alice)]);
    const before = await metrics();
    expect(before.value('herald_ws_connections')).toBe(2);

    const [id] = (await notify([alice])).body.ids as string[];
    await Promise.all([phone, laptop].map((socket) => socket.next('notification', (n) => n.id === id)));

    const after = await metrics();
    expect(
      after.value('herald_notifications_stored_total', { kind: 'targeted' }) - before.value('herald_notifications_stored_total', { kind: 'targeted' }),
    ).toBe(1);
    expect(after.value('herald_notifications_stored_total', { kind: 'broadcast' })).toBe(
      before.value('herald_notifications_stored_total', { kind: 'broadcast' }),
    );
    expect(after.value('herald_deliveries_total') - before.value('herald_deliveries_total')).toBe(2);
    // Once per frame: both sockets were written the same frame.
    expect(after.value('herald_delivery_latency_seconds_count') - before.value('herald_delivery_latency_seconds_count')).toBe(1);
    const seconds = after.value('herald_delivery_latency_seconds_sum') - before.value('herald_delivery_latency_seconds_sum');
    expect(seconds).toBeGreaterThanOrEqual(0);
    expect(seconds).toBeLessThan(5);
  });

  it('counts every recipient of one POST as a stored notification', async () => {
    const before = await metrics();
    await notify([unique('a'), unique('b'), unique('c')]);
    const after = await metrics();
    expect(
      after.value('herald_notifications_stored_total', { kind: 'targeted' }) - before.value('herald_notifications_stored_total', { kind: 'targeted' }),
    ).toBe(3);
  });

  it('counts a broadcast once and its delivery to every open socket', async () => {
    const sockets = await Promise.all([fixture.connect(unique('x')), fixture.connect(unique('y')), fixture.connect(unique('z'))]);
    const before = await metrics();
    const { id } = (
      await fixture.app.http().post('/notifications/broadcast').set('authorization', `Bearer ${adminToken()}`).send({ type: 'maintenance' }).expect(201)
    ).body as { id: string };
    await Promise.all(sockets.map((socket) => socket.next('notification', (n) => n.id === id)));
    const after = await metrics();
    expect(
      after.value('herald_notifications_stored_total', { kind: 'broadcast' }) - before.value('herald_notifications_stored_total', { kind: 'broadcast' }),
    ).toBe(1);
    expect(after.value('herald_deliveries_total') - before.value('herald_deliveries_total')).toBe(3);
  });

  it('follows sockets as they close', async () => {
    const client = await fixture.connect(unique('alice'));
    expect((await metrics()).value('herald_ws_connections')).toBe(1);
    await client.close();
    await expectEventually(async () => expect((await metrics()).value('herald_ws_connections')).toBe(0));
  });

  it('counts refused upgrades by reason', async () => {
    const before = await metrics();
    expect(await upgradeStatus(fixture.app.wsUrl)).toBe(401);
    expect(await upgradeStatus(fixture.app.wsUrl, { queryToken: 'not-a-jwt' })).toBe(401);
    expect(await upgradeStatus(fixture.app.wsUrl, { token: userToken(unique('eve')), headers: { origin: 'https://evil.example' } })).toBe(403);
    expect(await upgradeStatus(fixture.app.wsUrl, { token: userToken(unique('eve')), since: 'abc' })).toBe(400);
    const after = await metrics();
    const delta = (reason: string) =>
      after.value('herald_ws_upgrades_refused_total', { reason }) - before.value('herald_ws_upgrades_refused_total', { reason });
    expect({ unauthorized: delta('unauthorized'), origin: delta('origin_not_allowed'), bad: delta('bad_request'), draining: delta('shutting_down') }).toEqual({
      unauthorized: 2,
      origin: 1,
      bad: 1,
      draining: 0,
    });
  });

  it('labels HTTP durations with the route pattern, never the raw path, and unmatched paths with one fixed label', async () => {
    const alice = unique('alice');
    const missing = unique('999');
    await fixture.app
      .http()
      .post(`/notifications/${'9'.repeat(12)}/read`)
      .set('authorization', `Bearer ${userToken(alice)}`)
      .expect(404);
    await fixture.app.http().get(`/no/such/${missing}`).expect(404);
    await fixture.app.http().get('/notifications').expect(401);
    const { text, metrics: after } = await scrape(fixture.app);
    expect(after.sum('http_request_duration_seconds_count', { method: 'POST', route: '/notifications/:id/read', status_code: '404' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(after.sum('http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status_code: '404' })).toBeGreaterThanOrEqual(1);
    expect(after.sum('http_request_duration_seconds_count', { method: 'GET', route: '/notifications', status_code: '401' })).toBeGreaterThanOrEqual(1);
    const routes = new Set(after.samples.filter((s) => s.name === 'http_request_duration_seconds_count').map((s) => s.labels.route));
    for (const route of routes) expect(route === 'unmatched' || (route.startsWith('/') && !/\d{6,}/.test(route))).toBe(true);
    // No label, of any metric, carries a user id or a raw path.
    expect(text).not.toContain(alice);
    expect(text).not.toContain(missing);
  });

  it('keeps its own registry: another app in the same process counts separately', async () => {
    const other = await createTestApp();
    try {
      const before = await metrics();
      await other
        .http()
        .post('/notifications')
        .set('authorization', `Bearer ${serviceToken()}`)
        .send({ recipients: [unique('o')], type: 'other.app' })
        .expect(201);
      expect((await scrape(other)).metrics.value('herald_notifications_stored_total', { kind: 'targeted' })).toBe(1);
      const after = await metrics();
      expect(after.value('herald_notifications_stored_total', { kind: 'targeted' })).toBe(
        before.value('herald_notifications_stored_total', { kind: 'targeted' }),
      );
    } finally {
      await other.close();
    }
  });

  it('serves every metric the Grafana dashboard in docs/ queries', async () => {
    const dashboard = JSON.parse(readFileSync(join(__dirname, '..', '..', 'docs', 'grafana-dashboard.json'), 'utf8')) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    // A labelled histogram has series only once it has seen a request.
    await fixture.app.http().get('/health').expect(200);
    const { metrics: exposition } = await scrape(fixture.app);
    const families = new Set(exposition.samples.map((sample) => sample.name));
    const queried = new Set(
      dashboard.panels.flatMap((panel) => panel.targets.flatMap((t) => t.expr.match(/\b(?:herald|http|nodejs|process)_[a-z0-9_]+/g) ?? [])),
    );
    expect([...queried].filter((name) => !families.has(name))).toEqual([]);
    for (const name of Object.keys(CONTRACT)) expect([...queried].some((q) => q.startsWith(name))).toBe(true);
    const titles = dashboard.panels.map((panel) => panel.title.toLowerCase()).join('\n');
    for (const topic of ['sockets', 'deliveries/s', 'latency p99', 'broadcaster up', 'http errors']) expect(titles).toContain(topic);
  });

  it('reports the broadcaster up', async () => {
    expect((await metrics()).value('herald_broadcaster_up')).toBe(1);
  });
});

describe('GET /metrics with Redis unreachable', () => {
  const fixture = useHerald({ REDIS_URL: CLOSED_REDIS_URL });

  it('reports the broadcaster down', async () => {
    expect((await scrape(fixture.app)).metrics.value('herald_broadcaster_up')).toBe(0);
  });
});

describe('GET /metrics with METRICS_TOKEN set', () => {
  const fixture = useHerald({ METRICS_TOKEN });

  it('answers 401 with a Bearer challenge without a token', async () => {
    const response = await fixture.app.http().get('/metrics').expect(401);
    expect(response.headers['www-authenticate']).toBe('Bearer realm="herald-metrics"');
    expect(response.text).not.toContain('herald_');
  });

  it.each([
    ['another token', `Bearer ${METRICS_TOKEN.slice(0, -1)}x`],
    ['the token with a suffix', `Bearer ${METRICS_TOKEN}x`],
    ['a user JWT', () => `Bearer ${userToken(unique('alice'))}`],
    ['the token under the Basic scheme', `Basic ${METRICS_TOKEN}`],
  ])('answers 401 to %s', async (_, header) => {
    await fixture.app
      .http()
      .get('/metrics')
      .set('authorization', typeof header === 'function' ? header() : header)
      .expect(401);
  });

  it('answers 200 to Authorization: Bearer <METRICS_TOKEN>', async () => {
    const { metrics } = await scrape(fixture.app, `Bearer ${METRICS_TOKEN}`);
    expect(metrics.types.get('herald_deliveries_total')).toBe('counter');
  });
});
