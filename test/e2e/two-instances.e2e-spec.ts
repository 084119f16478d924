import { TestApp } from '../support/create-test-app';
import { unique } from '../support/test-env';
import { adminToken, serviceToken, userToken } from '../support/tokens';
import { useHerald } from '../support/use-herald';

/**
 * Instances A and B share MySQL, Redis and a Redis prefix, as replicas of
 * one deployment do; C shares MySQL and Redis under another prefix, as a
 * separate deployment (or test run) would.
 */
describe('several instances sharing MySQL and Redis', () => {
  const deployment = { REDIS_PREFIX: `${unique('herald-cluster')}:` };
  const a = useHerald(deployment);
  const b = useHerald(deployment);
  const c = useHerald({ REDIS_PREFIX: `${unique('herald-other')}:` });
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

  it("delivers a notification POSTed on one instance to the recipient's socket on another", async () => {
    const alice = unique('alice');
    const onA = await a.connect(alice);

    const id = await notify(b.app, alice, 'cluster.cross');

    expect(await onA.next('notification', (n) => n.id === id)).toMatchObject({ id, type: 'cluster.cross', readAt: null });
  });

  it('delivers a broadcast POSTed on one instance to sockets on every instance of the deployment', async () => {
    const [onA, onB] = await Promise.all([a.connect(unique('u1')), b.connect(unique('u2'))]);

    const id = await broadcast(a.app, 'cluster.everyone');

    for (const socket of [onA, onB]) {
      expect(await socket.next('notification', (n) => n.id === id)).toMatchObject({ id, type: 'cluster.everyone' });
    }
  });

  it("tells the user's socket on one instance when a notification is read through another", async () => {
    const alice = unique('alice');
    const onA = await a.connect(alice);
    const id = await notify(a.app, alice);
    await onA.next('notification', (n) => n.id === id);

    await b.app
      .http()
      .post(`/notifications/${id}/read`)
      .set('authorization', `Bearer ${userToken(alice)}`)
      .expect(204);

    expect(await onA.next('notification.read')).toEqual({ ids: [id] });
  });

  it('keeps deployments with different Redis prefixes apart', async () => {
    const alice = unique('alice');
    const [onA, onC] = await Promise.all([a.connect(alice), c.connect(alice)]);

    const targeted = await notify(b.app, alice, 'cluster.isolated');
    const everyone = await broadcast(b.app, 'cluster.isolated.broadcast');
    // Redis has now handed both frames to every subscriber of the shared prefix's channels.
    await onA.next('notification', (n) => n.id === targeted);
    await onA.next('notification', (n) => n.id === everyone);

    // C's own frames reach C's socket through the same Redis after those, so
    // had C been subscribed to the shared prefix, they would have come first.
    const marker = await notify(c.app, alice, 'cluster.marker');
    const markerBroadcast = await broadcast(c.app, 'cluster.marker.broadcast');
    await onC.next('notification', (n) => n.id === marker);
    await onC.next('notification', (n) => n.id === markerBroadcast);

    const seenOnC = onC.all('notification').map((n: { id: string }) => n.id);
    expect(seenOnC).not.toContain(targeted);
    expect(seenOnC).not.toContain(everyone);
  });
});
