import { decode, JwtPayload } from 'jsonwebtoken';
import { createTestApp, TestApp } from '../support/create-test-app';
import { unique } from '../support/test-env';
import { serviceToken, token, userToken } from '../support/tokens';
import { within } from '../support/within';
import { TestClient } from '../support/ws-client';

jest.setTimeout(15_000);

const notify = (herald: TestApp, recipient: string) =>
  herald.http().post('/notifications').set('authorization', `Bearer ${serviceToken()}`).send({ recipients: [recipient], type: 'lifecycle.check' });

describe('socket lifecycle: token expiry', () => {
  let herald: TestApp;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    herald = await createTestApp();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  afterAll(async () => {
    await herald.close();
  });

  it('closes a socket with 4401 once its token expires, and not before', async () => {
    const shortLived = token({ sub: unique('alice'), ttl: 2 });
    const expiresAtMs = ((decode(shortLived) as JwtPayload).exp as number) * 1000;
    const client = await TestClient.connect(herald.wsUrl, { token: shortLived });
    clients.push(client);

    const { code } = await within(client.closed, 10_000, 'the 4401 close');
    expect(code).toBe(4401);
    // Timers may fire a few ms early; a close well before exp would be a bug.
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAtMs - 50);
  });

  it('keeps a socket whose token is still valid open while another one expires', async () => {
    const bob = unique('bob');
    const expiring = await TestClient.connect(herald.wsUrl, { token: token({ sub: unique('alice'), ttl: 2 }) });
    const lasting = await TestClient.connect(herald.wsUrl, { token: userToken(bob) });
    clients.push(expiring, lasting);

    expect((await within(expiring.closed, 10_000, 'the 4401 close')).code).toBe(4401);
    const [id] = (await notify(herald, bob).expect(201)).body.ids as string[];
    await lasting.next('notification', (n) => n.id === id);
  });
});

describe('socket lifecycle: heartbeat', () => {
  let herald: TestApp;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    herald = await createTestApp({ WS_HEARTBEAT_MS: '1000' });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  afterAll(async () => {
    await herald.close();
  });

  it('terminates a socket that stops answering pings while a responsive one stays open', async () => {
    const alive = unique('alive');
    const dead = await TestClient.connect(herald.wsUrl, { token: userToken(unique('dead')), autoPong: false });
    const live = await TestClient.connect(herald.wsUrl, { token: userToken(alive) });
    clients.push(dead, live);

    // 1006: the server dropped the connection without a closing handshake (terminate).
    expect((await within(dead.closed, 8_000, 'the heartbeat termination')).code).toBe(1006);

    const [id] = (await notify(herald, alive).expect(201)).body.ids as string[];
    expect(await live.next('notification', (n) => n.id === id)).toMatchObject({ id, type: 'lifecycle.check' });
  });
});

describe('socket lifecycle: shutdown', () => {
  let herald: TestApp | undefined;
  const clients: TestClient[] = [];

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await herald?.close();
    herald = undefined;
  });

  it('closes every open socket with 1001 when the app shuts down', async () => {
    herald = await createTestApp();
    const sockets = await Promise.all([unique('a'), unique('b')].map((sub) => TestClient.connect(herald!.wsUrl, { token: userToken(sub) })));
    clients.push(...sockets);

    const app = herald;
    herald = undefined;
    await within(app.close(), 10_000, 'app shutdown');

    for (const socket of sockets) {
      const { code } = await within(socket.closed, 5_000, 'the 1001 close');
      expect(code).toBe(1001);
    }
  });
});
