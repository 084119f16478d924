import { PLAIN_INBOX_FIELDS } from '../../src/common/server-frame';
import { useHerald } from '../support/use-herald';
import { unique } from '../support/test-env';
import { adminToken, serviceToken, userToken } from '../support/tokens';

describe('notification delivery over /ws', () => {
  const fixture = useHerald();
  const connect = (sub: string) => fixture.connect(sub);
  const notify = (recipients: string[], type = 'comment.created', payload: object = {}) =>
    fixture.app.http().post('/notifications').set('authorization', `Bearer ${serviceToken()}`).send({ recipients, type, payload, actor: 'svc' });

  it('sends ready with the user id once the socket is subscribed', async () => {
    const alice = unique('alice');
    const client = await connect(alice);
    expect(client.frames[0]).toEqual({ event: 'ready', data: { user: alice } });
  });

  it('delivers a stored notification to every open socket of the recipient and to no one else', async () => {
    const alice = unique('alice');
    const bob = unique('bob');
    const [phone, laptop, bobSocket] = await Promise.all([connect(alice), connect(alice), connect(bob)]);

    const response = await notify([alice], 'comment.created', { postId: 7 }).expect(201);
    const [id] = response.body.ids as string[];
    expect(id).toMatch(/^\d+$/);

    for (const socket of [phone, laptop]) {
      const data = await socket.next('notification', (n) => n.id === id);
      expect(data).toEqual({
        id,
        type: 'comment.created',
        actor: 'svc',
        payload: { postId: 7 },
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        readAt: null,
        ...PLAIN_INBOX_FIELDS,
      });
    }
    // Bob's own notification is published after Alice's: once it arrives, Alice's would have too.
    const bobId = (await notify([bob]).expect(201)).body.ids[0];
    await bobSocket.next('notification', (n) => n.id === bobId);
    expect(bobSocket.all('notification').map((n) => n.id)).toEqual([bobId]);
  });

  it('returns one id per recipient in order and delivers each recipient its own id', async () => {
    const users = [unique('u1'), unique('u2'), unique('u3')];
    const sockets = await Promise.all(users.map(connect));
    const { ids } = (await notify(users).expect(201)).body as { ids: string[] };
    expect(ids).toHaveLength(3);
    expect(ids.map(BigInt)).toEqual([...ids.map(BigInt)].sort((a, b) => (a < b ? -1 : 1)));
    await Promise.all(sockets.map((socket, i) => socket.next('notification', (n) => n.id === ids[i])));
    const stored = await fixture.app
      .http()
      .get('/notifications')
      .set('authorization', `Bearer ${userToken(users[1])}`)
      .expect(200);
    // The feed also holds broadcasts from other tests; of these three ids, only the user's own is there.
    expect(stored.body.items.map((n: { id: string }) => n.id).filter((id: string) => ids.includes(id))).toEqual([ids[1]]);
  });

  it('stores a broadcast once and delivers it to every connected user', async () => {
    const [a, b] = [unique('a'), unique('b')];
    const [socketA, socketB] = await Promise.all([connect(a), connect(b)]);
    const response = await fixture.app
      .http()
      .post('/notifications/broadcast')
      .set('authorization', `Bearer ${adminToken()}`)
      .send({ type: 'maintenance', payload: { at: '02:00' } })
      .expect(201);
    const id = response.body.id as string;
    for (const socket of [socketA, socketB]) {
      expect(await socket.next('notification', (n) => n.id === id)).toMatchObject({ id, type: 'maintenance', payload: { at: '02:00' } });
    }
    // A user who was never connected still finds it in their feed.
    const late = unique('late');
    const feed = await fixture.app
      .http()
      .get('/notifications')
      .set('authorization', `Bearer ${userToken(late)}`)
      .expect(200);
    expect(feed.body.items.map((n: { id: string }) => n.id)).toContain(id);
  });

  it("tells the user's other sockets when a notification is read, and when all are", async () => {
    const alice = unique('alice');
    const [tab1, tab2] = await Promise.all([connect(alice), connect(alice)]);
    const [id] = (await notify([alice]).expect(201)).body.ids as string[];
    await tab1.next('notification', (n) => n.id === id);

    await fixture.app
      .http()
      .post(`/notifications/${id}/read`)
      .set('authorization', `Bearer ${userToken(alice)}`)
      .expect(204);
    for (const tab of [tab1, tab2]) expect(await tab.next('notification.read')).toEqual({ ids: [id] });

    await fixture.app
      .http()
      .post('/notifications/read-all')
      .set('authorization', `Bearer ${userToken(alice)}`)
      .expect(204);
    for (const tab of [tab1, tab2]) expect(await tab.next('notification.read', (d) => 'all' in d)).toEqual({ all: true });
  });

  it('refuses notifications from callers without the service or admin role, and broadcasts from non-admins', async () => {
    const alice = unique('alice');
    await fixture.app
      .http()
      .post('/notifications')
      .set('authorization', `Bearer ${userToken(alice)}`)
      .send({ recipients: [alice], type: 't' })
      .expect(403);
    await fixture.app.http().post('/notifications/broadcast').set('authorization', `Bearer ${serviceToken()}`).send({ type: 't' }).expect(403);
    await fixture.app
      .http()
      .post('/notifications')
      .send({ recipients: [alice], type: 't' })
      .expect(401);
    const adminPost = await fixture.app
      .http()
      .post('/notifications')
      .set('authorization', `Bearer ${adminToken()}`)
      .send({ recipients: [alice], type: 't' });
    expect(adminPost.status).toBe(201);
  });
});
