import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp, TestApp } from '../support/create-test-app';
import { unique } from '../support/test-env';
import { serviceToken, userToken } from '../support/tokens';
import { TestClient } from '../support/ws-client';

/** Rooms in the embedded deployment: SQLite, in-process broadcaster and presence. */
describe('rooms in embedded mode (SQLite file, in-process presence)', () => {
  let directory: string;
  let herald: TestApp;
  const clients: TestClient[] = [];

  beforeAll(async () => {
    directory = mkdtempSync(join(tmpdir(), 'herald-rooms-embedded-'));
    herald = await createTestApp({ DATABASE_URL: undefined, REDIS_URL: undefined, SQLITE_PATH: join(directory, 'data', 'herald.sqlite') });
  });
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await herald?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('stores, broadcasts, pages history and reports presence', async () => {
    const room = unique('room');
    const alice = unique('alice');
    const bob = unique('bob');
    const [aliceSocket, bobSocket] = await Promise.all([alice, bob].map((sub) => TestClient.connect(herald.wsUrl, { token: userToken(sub) })));
    clients.push(aliceSocket, bobSocket);
    aliceSocket.send({ event: 'room.join', data: { room } });
    await aliceSocket.next('room.joined');
    bobSocket.send({ event: 'room.join', data: { room } });
    expect((await bobSocket.next('room.joined')).members).toEqual([alice, bob].sort());
    expect(await aliceSocket.next('room.presence', (p) => p.user === bob)).toEqual({ room, user: bob, state: 'joined' });

    bobSocket.send({ event: 'room.send', data: { room, text: 'over ws' } });
    expect(await aliceSocket.next('room.message')).toMatchObject({ room, sender: bob, text: 'over ws' });
    const pushed = await herald.http().post(`/rooms/${room}/messages`).set('authorization', `Bearer ${serviceToken()}`).send({ text: 'over rest' }).expect(201);
    expect(await bobSocket.next('room.message', (m) => m.id === pushed.body.id)).toEqual(pushed.body);

    const history = await herald.http().get(`/rooms/${room}/messages`).set('authorization', `Bearer ${userToken(alice)}`).expect(200);
    expect(history.body.items.map((m: any) => m.text)).toEqual(['over rest', 'over ws']);
    expect(history.body.nextCursor).toBeNull();

    await bobSocket.close();
    expect(await aliceSocket.next('room.presence', (p) => p.state === 'left')).toEqual({ room, user: bob, state: 'left' });
  });
});
