import { DataSource } from 'typeorm';
import { PLAIN_INBOX_FIELDS } from '../../src/common/server-frame';
import { useHerald } from '../support/use-herald';
import { TestClient } from '../support/ws-client';

/**
 * The embedded deployment: no DATABASE_URL and no REDIS_URL, so SQLite and
 * the in-process broadcaster. Each test gets its own SQLite file, so the
 * feed holds exactly what the test created.
 */
describe('embedded mode (SQLite file, in-process broadcaster)', () => {
  const herald = useHerald({}, { embedded: true, perTest: true });
  /** The SQLITE_PATH the app was given: a file in the fixture's temporary directory. */
  const sqlitePath = (): string => {
    const path = herald.app.env.SQLITE_PATH;
    if (!path) throw new Error('useHerald({}, { embedded: true }) sets SQLITE_PATH');
    return path;
  };

  const devToken = async (sub: string, roles?: string[]): Promise<string> => {
    const response = await herald.app
      .http()
      .post('/auth/dev-token')
      .send(roles ? { sub, roles } : { sub })
      .expect(201);
    expect(response.body.token).toEqual(expect.any(String));
    return response.body.token as string;
  };
  /** Opens a socket for `sub` with the dev token the server minted for it. */
  const connect = (sub: string, token: string): Promise<TestClient> => herald.connect(sub, { token });
  const get = (path: string, token: string) => herald.app.http().get(path).set('authorization', `Bearer ${token}`);
  const post = (path: string, token: string) => herald.app.http().post(path).set('authorization', `Bearer ${token}`);

  it('stores notifications in the SQLite file at SQLITE_PATH', async () => {
    const service = await devToken('embedded-service', ['service']);
    const created = await post('/notifications', service)
      .send({ recipients: ['dora'], type: 'stored.locally' })
      .expect(201);

    const file = await new DataSource({ type: 'better-sqlite3', database: sqlitePath(), readonly: true }).initialize();
    try {
      const rows = await file.query<Array<{ id: number; recipient: string; type: string }>>('SELECT id, recipient, type FROM notifications');
      expect(rows.map((row) => ({ ...row, id: String(row.id) }))).toEqual([{ id: created.body.ids[0], recipient: 'dora', type: 'stored.locally' }]);
    } finally {
      await file.destroy();
    }
  });

  it('keeps every concurrent write, including ones racing on one Idempotency-Key, in its own transaction', async () => {
    const service = await devToken('embedded-service', ['service']);
    const distinct = Array.from({ length: 10 }, (_, i) => post('/notifications', service).send({ recipients: [`user-${i}`], type: 'concurrent' }));
    // Same key: one stores, the others hit the key's unique row, roll back and replay.
    const racing = Array.from({ length: 5 }, () =>
      post('/notifications', service)
        .set('idempotency-key', 'race')
        .send({ recipients: ['racer'], type: 'concurrent' }),
    );
    const marks = Array.from({ length: 5 }, () => post('/notifications/read-all', service));
    const responses = await Promise.all([...distinct, ...racing, ...marks]);
    expect(responses.map((response) => response.status)).toEqual([...Array(15).fill(201), ...Array(5).fill(204)]);

    for (let i = 0; i < 10; i++) {
      const feed = await get('/notifications', await devToken(`user-${i}`)).expect(200);
      expect(feed.body.items.map((item: { id: string }) => item.id)).toEqual(responses[i].body.ids);
    }
    const racerIds = new Set(responses.slice(10, 15).map((response) => response.body.ids[0]));
    expect(racerIds.size).toBe(1);
    const racerFeed = await get('/notifications', await devToken('racer')).expect(200);
    expect(racerFeed.body.items.map((item: { id: string }) => item.id)).toEqual([...racerIds]);
  });

  it('delivers, lists, counts and marks read a notification with dev tokens', async () => {
    const service = await devToken('embedded-service', ['service']);
    const alice = await devToken('alice');
    const socket = await connect('alice', alice);
    expect(socket.frames[0]).toEqual({ event: 'ready', data: { user: 'alice' } });

    const created = await post('/notifications', service)
      .send({ recipients: ['alice'], type: 'welcome', payload: { hello: 'world' } })
      .expect(201);
    const [id] = created.body.ids as string[];
    const delivered = await socket.next('notification', (n) => n.id === id);
    expect(delivered).toEqual({
      id,
      type: 'welcome',
      actor: null,
      payload: { hello: 'world' },
      createdAt: expect.any(String),
      readAt: null,
      ...PLAIN_INBOX_FIELDS,
    });

    const feed = await get('/notifications', alice).expect(200);
    expect(feed.body).toEqual({ items: [delivered], nextCursor: null });
    expect((await get('/notifications/unread-count', alice).expect(200)).body).toEqual({ count: 1 });

    await post(`/notifications/${id}/read`, alice).expect(204);
    expect(await socket.next('notification.read')).toEqual({ ids: [id] });
    expect((await get('/notifications/unread-count', alice).expect(200)).body).toEqual({ count: 0 });
    expect((await get('/notifications', alice).expect(200)).body.items[0].readAt).toEqual(expect.any(String));
  });

  it('stores a muted category quietly for one recipient and in a batch, and pushes critical ones', async () => {
    const service = await devToken('embedded-service', ['service']);
    const [erin, fred] = [await devToken('erin'), await devToken('fred')];
    await herald.app.http().put('/preferences/categories/promo').set('authorization', `Bearer ${erin}`).send({ muted: true }).expect(204);
    const socket = await connect('erin', erin);
    const notify = async (recipients: string[], body: object) =>
      (
        await post('/notifications', service)
          .send({ recipients, type: 'embedded.mute', ...body })
          .expect(201)
      ).body.ids as string[];

    const [single] = await notify(['erin'], { category: 'promo' });
    const [batched, fredId] = await notify(['erin', 'fred'], { category: 'promo' });
    const [critical] = await notify(['erin'], { category: 'promo', severity: 'critical' });
    await socket.next('notification', (n) => n.id === critical);
    expect(socket.all('notification').map((n) => n.id)).toEqual([critical]);
    const feed = await get('/notifications', erin).expect(200);
    expect((feed.body.items as Array<{ id: string }>).map((item) => item.id)).toEqual([critical, batched, single]);
    expect((await get('/notifications', fred).expect(200)).body.items[0].id).toBe(fredId);
  });

  it('delivers a broadcast to every connected user and puts it in every feed', async () => {
    const admin = await devToken('embedded-admin', ['admin']);
    const [alice, bob] = await Promise.all([devToken('alice'), devToken('bob')]);
    const [aliceSocket, bobSocket] = await Promise.all([connect('alice', alice), connect('bob', bob)]);

    const { id } = (
      await post('/notifications/broadcast', admin)
        .send({ type: 'maintenance', payload: { at: '02:00' } })
        .expect(201)
    ).body as { id: string };

    for (const socket of [aliceSocket, bobSocket]) {
      expect(await socket.next('notification', (n) => n.id === id)).toMatchObject({ id, type: 'maintenance', payload: { at: '02:00' } });
    }
    const carol = await devToken('carol');
    expect((await get('/notifications', carol).expect(200)).body.items.map((n: { id: string }) => n.id)).toEqual([id]);
    expect((await get('/notifications/unread-count', carol).expect(200)).body).toEqual({ count: 1 });
  });

  it('reports ready when the embedded database and broadcaster answer', async () => {
    const response = await herald.app.http().get('/health/ready').expect(200);
    expect(response.body).toMatchObject({ status: 'ok', info: { database: { status: 'up' }, broadcaster: { status: 'up' } } });
  });
});
