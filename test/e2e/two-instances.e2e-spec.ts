import { createTestApp, TestApp } from '../support/create-test-app';
import { unique } from '../support/test-env';
import { adminToken, serviceToken, userToken } from '../support/tokens';
import { TestClient } from '../support/ws-client';

/**
 * Instances A and B share MySQL, Redis and a Redis prefix, as replicas of
 * one deployment do; C shares MySQL and Redis under another prefix, as a
 * separate deployment (or test run) would.
 */
describe('several instances sharing MySQL and Redis', () => {
  let a: TestApp;
  let b: TestApp;
  let c: TestApp;
  const clients: TestClient[] = [];
  const connect = async (instance: TestApp, sub: string) => {
    const client = await TestClient.connect(instance.wsUrl, { token: userToken(sub) });
    clients.push(client);
    return client;
  };
  const notify = async (instance: TestApp, recipient: string, type = 'cluster.test'): Promise<string> => {
    const response = await instance
      .http()
      .post('/notifications')
      .set('authorization', `Bearer ${serviceToken()}`)
      .send({ recipients: [recipient], type })
      .expect(201);
    return (response.body.ids as string[])[0];
  };
  const broadcast = async (instance: TestApp, type = 'cluster.broadcast'): Promise<string> => {
    const response = await instance.http().post('/notifications/broadcast').set('authorization', `Bearer ${adminToken()}`).send({ type }).expect(201);
    return response.body.id as string;
  };

  beforeAll(async () => {
    const shared = `${unique('herald-cluster')}:`;
    [a, b, c] = await Promise.all([
      createTestApp({ REDIS_PREFIX: shared }),
      createTestApp({ REDIS_PREFIX: shared }),
      createTestApp({ REDIS_PREFIX: `${unique('herald-other')}:` }),
    ]);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });
  afterAll(async () => {
    await Promise.all([a, b, c].filter((app) => app !== undefined).map((app) => app.close()));
  });

  it('delivers a notification POSTed on one instance to the recipient\'s socket on another', async () => {
    const alice = unique('alice');
    const onA = await connect(a, alice);

    const id = await notify(b, alice, 'cluster.cross');

    expect(await onA.next('notification', (n) => n.id === id)).toMatchObject({ id, type: 'cluster.cross', readAt: null });
  });

  it('delivers a broadcast POSTed on one instance to sockets on every instance of the deployment', async () => {
    const [onA, onB] = await Promise.all([connect(a, unique('u1')), connect(b, unique('u2'))]);

    const id = await broadcast(a, 'cluster.everyone');

    for (const socket of [onA, onB]) {
      expect(await socket.next('notification', (n) => n.id === id)).toMatchObject({ id, type: 'cluster.everyone' });
    }
  });

  it('tells the user\'s socket on one instance when a notification is read through another', async () => {
    const alice = unique('alice');
    const onA = await connect(a, alice);
    const id = await notify(a, alice);
    await onA.next('notification', (n) => n.id === id);

    await b.http().post(`/notifications/${id}/read`).set('authorization', `Bearer ${userToken(alice)}`).expect(204);

    expect(await onA.next('notification.read')).toEqual({ ids: [id] });
  });

  it('keeps deployments with different Redis prefixes apart', async () => {
    const alice = unique('alice');
    const [onA, onC] = await Promise.all([connect(a, alice), connect(c, alice)]);

    const targeted = await notify(b, alice, 'cluster.isolated');
    const everyone = await broadcast(b, 'cluster.isolated.broadcast');
    // Redis has now handed both frames to every subscriber of the shared prefix's channels.
    await onA.next('notification', (n) => n.id === targeted);
    await onA.next('notification', (n) => n.id === everyone);

    // C's own frames reach C's socket through the same Redis after those, so
    // had C been subscribed to the shared prefix, they would have come first.
    const marker = await notify(c, alice, 'cluster.marker');
    const markerBroadcast = await broadcast(c, 'cluster.marker.broadcast');
    await onC.next('notification', (n) => n.id === marker);
    await onC.next('notification', (n) => n.id === markerBroadcast);

    const seenOnC = onC.all('notification').map((n: { id: string }) => n.id);
    expect(seenOnC).not.toContain(targeted);
    expect(seenOnC).not.toContain(everyone);
  });
});
