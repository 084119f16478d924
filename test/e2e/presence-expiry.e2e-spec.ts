import request from 'supertest';
import { createTestApp, TestApp } from '../support/create-test-app';
import { HeraldProcess, startHeraldProcess } from '../support/herald-process';
import { acquireTestDatabase, releaseTestDatabase } from '../support/test-database';
import { TEST_REDIS_URL, unique } from '../support/test-env';
import { serviceToken, userToken } from '../support/tokens';
import { TestClient } from '../support/ws-client';

/** Short enough for a test: a dead instance's sockets leave within about 4/3 of it. */
const PRESENCE_TTL_MS = 3_000;

/**
 * Three instances of one deployment; one is SIGKILLed, as a crash: its
 * sockets never say goodbye, and their room presence expires in Redis.
 */
describe('room presence when an instance dies', () => {
  let victim: HeraldProcess | undefined;
  let survivors: TestApp[] = [];
  let databaseUrl: string | undefined;
  const clients: TestClient[] = [];
  const connect = async (wsUrl: string, sub: string): Promise<TestClient> => {
    const client = await TestClient.connect(wsUrl, { token: userToken(sub) });
    clients.push(client);
    return client;
  };
  const join = async (client: TestClient, room: string): Promise<{ members: string[] }> => {
    const before = client.all('room.joined').length;
    client.send({ event: 'room.join', data: { room } });
    await client.next('room.joined', () => client.all('room.joined').length > before);
    return client.all('room.joined')[before];
  };
  const presence = (client: TestClient, user: string) => client.all('room.presence').filter((p: { user: string }) => p.user === user);

  afterAll(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await victim?.stop();
    await Promise.all(survivors.map((app) => app.close()));
    if (databaseUrl) await releaseTestDatabase(databaseUrl);
  });

  it('sends room.presence left once, from a survivor, for each user whose last socket was on the dead instance', async () => {
    const prefix = `${unique('herald-presence')}:`;
    databaseUrl = await acquireTestDatabase(prefix);
    const env = { DATABASE_URL: databaseUrl, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, ROOM_PRESENCE_TTL_MS: String(PRESENCE_TTL_MS) };
    [victim, ...survivors] = await Promise.all([startHeraldProcess(env), createTestApp(env), createTestApp(env)]);
    const [b, c] = survivors;
    const room = unique('room');
    const [alice, carol, ghost, dora] = [unique('alice'), unique('carol'), unique('ghost'), unique('dora')];

    const onB = await connect(b.wsUrl, alice);
    const onC = await connect(c.wsUrl, carol);
    await join(onB, room);
    await join(onC, room);
    // ghost is only on the victim; dora is on the victim and on b.
    await join(await connect(victim.wsUrl, ghost), room);
    await join(await connect(victim.wsUrl, dora), room);
    await join(await connect(b.wsUrl, dora), room);
    for (const watcher of [onB, onC]) {
      await watcher.next('room.presence', (p) => p.user === ghost && p.state === 'joined');
      await watcher.next('room.presence', (p) => p.user === dora && p.state === 'joined');
    }

    victim.kill('SIGKILL');
    await victim.exited;

    for (const watcher of [onB, onC]) {
      expect(await watcher.next('room.presence', (p) => p.user === ghost && p.state === 'left', 4 * PRESENCE_TTL_MS)).toEqual({
        room,
        user: ghost,
        state: 'left',
      });
    }
    // Both survivors read the room again (each re-join prunes it), then a message published after those replies
    // reaches both sockets: any second "left" would have been published before it.
    expect((await join(onB, room)).members).toEqual([alice, carol, dora].sort());
    expect((await join(onC, room)).members).toEqual([alice, carol, dora].sort());
    const marker = (
      await request(b.baseUrl).post(`/rooms/${room}/messages`).set('authorization', `Bearer ${serviceToken()}`).send({ text: 'marker' }).expect(201)
    ).body as { id: string };
    for (const watcher of [onB, onC]) {
      await watcher.next('room.message', (m) => m.id === marker.id);
      expect(presence(watcher, ghost).map((p: { state: string }) => p.state)).toEqual(['joined', 'left']);
      expect(presence(watcher, dora).map((p: { state: string }) => p.state)).toEqual(['joined']);
    }
  }, 120_000);
});
