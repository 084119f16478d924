import { TestApp } from '../support/create-test-app';
import { unique } from '../support/test-env';
import { adminToken, serviceToken, userToken } from '../support/tokens';
import { useHerald } from '../support/use-herald';
import { TestClient } from '../support/ws-client';

/** Rooms over the one socket (docs/protocol.md) and over REST (the room routes in docs/rest.md), against real MySQL and Redis. */
describe('rooms', () => {
  const herald = useHerald();
  const connect = (sub: string): Promise<TestClient> => herald.connect(sub);
  const join = async (client: TestClient, room: string): Promise<any> => {
    client.send({ event: 'room.join', data: { room } });
    return client.next('room.joined', (data) => data.room === room);
  };
  const post = (room: string, text: string, bearer = serviceToken(), instance: TestApp = herald.app) =>
    instance.http().post(`/rooms/${room}/messages`).set('authorization', `Bearer ${bearer}`).send({ text });

  it('replies room.joined with the last messages oldest first and the members, the joiner included', async () => {
    const room = unique('lobby');
    const first = (await post(room, 'first').expect(201)).body;
    const second = (await post(room, 'second').expect(201)).body;
    const alice = unique('alice');
    const bob = unique('bob');
    const bobSocket = await connect(bob);
    await join(bobSocket, room);

    const joined = await join(await connect(alice), room);

    expect(joined.history.map((m: any) => m.id)).toEqual([first.id, second.id]);
    expect(joined.history[0]).toEqual({ id: first.id, room, sender: 'test-service', text: 'first', createdAt: first.createdAt });
    expect(joined.members).toEqual([alice, bob].sort());
  });

  it('refuses room.send before room.join with an error frame not_joined and stores nothing', async () => {
    const room = unique('room');
    const client = await connect(unique('alice'));

    client.send({ event: 'room.send', data: { room, text: 'too early' } });

    expect(await client.next('error')).toMatchObject({ code: 'not_joined' });
    const history = await herald.app
      .http()
      .get(`/rooms/${room}/messages`)
      .set('authorization', `Bearer ${userToken('x')}`)
      .expect(200);
    expect(history.body).toEqual({ items: [], nextCursor: null });
  });

  it("stores and delivers one socket's room.send frames in the order it sent them", async () => {
    const room = unique('room');
    const [sender, reader] = await Promise.all([connect(unique('alice')), connect(unique('bob'))]);
    await join(sender, room);
    await join(reader, room);
    const texts = Array.from({ length: 30 }, (_, i) => `line ${i}`);

    for (const text of texts) sender.send({ event: 'room.send', data: { room, text } });

    await reader.next('room.message', (m) => m.text === texts[texts.length - 1] && reader.all('room.message').length === texts.length);
    const received = reader.all('room.message');
    expect(received.map((m: any) => m.text)).toEqual(texts);
    const ids = received.map((m: any) => BigInt(m.id));
    expect([...ids].sort((a, b) => (a < b ? -1 : 1))).toEqual(ids);
  });

  it('broadcasts room.send to every member, the sender included, and not to a non-member', async () => {
    const room = unique('room');
    const alice = unique('alice');
    const [aliceSocket, bobSocket, outsider] = await Promise.all([connect(alice), connect(unique('bob')), connect(unique('carol'))]);
    await join(aliceSocket, room);
    await join(bobSocket, room);
    await join(outsider, unique('elsewhere'));

    aliceSocket.send({ event: 'room.send', data: { room, text: 'hello <b>room</b>' } });

    const received = await bobSocket.next('room.message');
    expect(received).toMatchObject({ room, sender: alice, text: 'hello <b>room</b>' });
    expect(await aliceSocket.next('room.message')).toEqual(received);
    // A frame sent after the message, to the outsider's own room, proves its socket had its chance.
    await post(outsider.all('room.joined')[0].room, 'marker').expect(201);
    await outsider.next('room.message', (m) => m.text === 'marker');
    expect(outsider.all('room.message').filter((m) => m.room === room)).toEqual([]);
  });

  it('pushes POST /rooms/:room/messages from a service or an admin to the members, and refuses a plain user with 403', async () => {
    const room = unique('room');
    const member = await connect(unique('alice'));
    await join(member, room);

    const fromService = await post(room, 'from service').expect(201);
    const fromAdmin = await post(room, 'from admin', adminToken('the-admin')).expect(201);
    await post(room, 'from user', userToken(unique('mallory'))).expect(403);

    expect(fromService.body).toMatchObject({ room, sender: 'test-service', text: 'from service' });
    expect(fromService.body.id).toMatch(/^[1-9]\d*$/);
    expect(await member.next('room.message', (m) => m.id === fromService.body.id)).toEqual(fromService.body);
    expect(await member.next('room.message', (m) => m.id === fromAdmin.body.id)).toMatchObject({ sender: 'the-admin' });
  });

  it('pages GET /rooms/:room/messages newest first with nextCursor', async () => {
    const room = unique('room');
    const ids: string[] = [];
    for (const text of ['m1', 'm2', 'm3']) ids.push((await post(room, text).expect(201)).body.id);
    const get = (query: string) =>
      herald.app
        .http()
        .get(`/rooms/${room}/messages${query}`)
        .set('authorization', `Bearer ${userToken('reader')}`)
        .expect(200);

    const page1 = await get('?limit=2');
    expect(page1.body.items.map((m: any) => m.text)).toEqual(['m3', 'm2']);
    expect(page1.body.nextCursor).toBe(ids[1]);
    const page2 = await get(`?limit=2&before=${page1.body.nextCursor}`);
    expect(page2.body).toEqual({ items: [expect.objectContaining({ id: ids[0], text: 'm1' })], nextCursor: null });
    await herald.app
      .http()
      .get(`/rooms/${room}/messages?limit=0`)
      .set('authorization', `Bearer ${userToken('reader')}`)
      .expect(400);
    await herald.app.http().get(`/rooms/${room}/messages`).expect(401);
  });

  it('keeps rooms whose names differ only in case apart', async () => {
    const room = unique('Case');
    await post(room, 'upper').expect(201);
    const lower = await herald.app
      .http()
      .get(`/rooms/${room.toLowerCase()}/messages`)
      .set('authorization', `Bearer ${userToken('reader')}`)
      .expect(200);
    expect(lower.body.items).toEqual([]);
  });

  it.each([
    ['a space', 'bad room'],
    ['65 characters', 'r'.repeat(65)],
    ['a slash-free but non-ASCII name', 'caf\u00e9'],
  ])('answers 400 over REST and invalid_data over WebSocket for a room name with %s', async (_, room) => {
    await post(encodeURIComponent(room), 'x').expect(400);
    await herald.app
      .http()
      .get(`/rooms/${encodeURIComponent(room)}/messages`)
      .set('authorization', `Bearer ${userToken('reader')}`)
      .expect(400);
    const client = await connect(unique('alice'));
    client.send({ event: 'room.join', data: { room } });
    expect(await client.next('error')).toMatchObject({ code: 'invalid_data' });
    expect(client.all('room.joined')).toEqual([]);
  });

  it.each([
    ['text over 4,000 characters', { text: 'x'.repeat(4_001) }],
    ['empty text', { text: '' }],
    ['text that is not a string', { text: 42 }],
    ['an unknown field', { text: 'hi', extra: true }],
  ])('refuses room.send with %s as invalid_data (and 400 over REST), keeping the socket open', async (_, fields) => {
    const room = unique('room');
    const client = await connect(unique('alice'));
    await join(client, room);

    client.send({ event: 'room.send', data: { room, ...fields } });

    expect(await client.next('error')).toMatchObject({ code: 'invalid_data' });
    await herald.app.http().post(`/rooms/${room}/messages`).set('authorization', `Bearer ${serviceToken()}`).send(fields).expect(400);
    client.send({ event: 'room.send', data: { room, text: 'still open' } });
    expect(await client.next('room.message')).toMatchObject({ text: 'still open' });
  });

  it.each([
    ['null', null],
    ['a string', 'lobby'],
    ['an array', ['lobby']],
    ['no room', {}],
  ])('answers room.join whose data is %s with invalid_data', async (_, data) => {
    const client = await connect(unique('alice'));
    client.send({ event: 'room.join', data });
    expect(await client.next('error')).toMatchObject({ code: 'invalid_data' });
  });

  it('accepts text of exactly 4,000 characters', async () => {
    const room = unique('room');
    const client = await connect(unique('alice'));
    await join(client, room);
    client.send({ event: 'room.send', data: { room, text: 'y'.repeat(4_000) } });
    expect((await client.next('room.message')).text).toHaveLength(4_000);
  });

  it('tells members room.presence joined and left, on room.leave and on socket close, once per user', async () => {
    const room = unique('room');
    const alice = unique('alice');
    const bob = unique('bob');
    const watcher = await connect(alice);
    await join(watcher, room);

    const bobFirst = await connect(bob);
    const bobSecond = await connect(bob);
    await join(bobFirst, room);
    expect(await watcher.next('room.presence', (p) => p.user === bob)).toEqual({ room, user: bob, state: 'joined' });
    expect((await join(bobSecond, room)).members).toEqual([alice, bob].sort());

    bobFirst.send({ event: 'room.leave', data: { room } });
    await bobSecond.close();

    expect(await watcher.next('room.presence', (p) => p.user === bob && p.state === 'left')).toEqual({ room, user: bob, state: 'left' });
    expect(watcher.all('room.presence').filter((p) => p.user === bob)).toEqual([
      { room, user: bob, state: 'joined' },
      { room, user: bob, state: 'left' },
    ]);
    expect((await join(await connect(unique('carol')), room)).members).not.toContain(bob);
  });

  it('stops delivering to a socket after room.leave', async () => {
    const room = unique('room');
    const leaver = await connect(unique('alice'));
    const stayer = await connect(unique('bob'));
    await join(leaver, room);
    await join(stayer, room);
    leaver.send({ event: 'room.leave', data: { room } });
    await stayer.next('room.presence', (p) => p.state === 'left');

    await post(room, 'after leave').expect(201);

    await stayer.next('room.message', (m) => m.text === 'after leave');
    leaver.send({ event: 'room.send', data: { room, text: 'nope' } });
    expect(await leaver.next('error')).toMatchObject({ code: 'not_joined' });
    expect(leaver.all('room.message')).toEqual([]);
  });

  it('lets one socket be in many rooms', async () => {
    const [roomA, roomB] = [unique('a'), unique('b')];
    const client = await connect(unique('alice'));
    await join(client, roomA);
    await join(client, roomB);
    await post(roomA, 'in a').expect(201);
    await post(roomB, 'in b').expect(201);
    expect(await client.next('room.message', (m) => m.room === roomB)).toMatchObject({ text: 'in b' });
    expect(await client.next('room.message', (m) => m.room === roomA)).toMatchObject({ text: 'in a' });
  });

  it('refuses a 101st room on one socket with too_many_rooms and keeps the socket usable', async () => {
    const prefix = unique('many');
    const client = await connect(unique('alice'));
    for (let i = 0; i < 100; i++) client.send({ event: 'room.join', data: { room: `${prefix}-${i}` } });
    await client.next('room.joined', (data) => data.room === `${prefix}-99`);
    client.send({ event: 'room.join', data: { room: `${prefix}-overflow` } });
    expect(await client.next('error')).toMatchObject({ code: 'too_many_rooms' });
    client.send({ event: 'room.leave', data: { room: `${prefix}-0` } });
    expect(await join(client, `${prefix}-overflow`)).toMatchObject({ room: `${prefix}-overflow` });
  });

  describe('across two instances sharing a REDIS_PREFIX', () => {
    const deployment = { REDIS_PREFIX: `${unique('herald-rooms')}:` };
    const other = useHerald(deployment);
    const peer = useHerald(deployment);

    it('delivers room messages and presence across instances and lists members of both', async () => {
      const room = unique('room');
      const alice = unique('alice');
      const bob = unique('bob');
      const onOther = await other.connect(alice);
      await join(onOther, room);
      const onPeer = await peer.connect(bob);

      const joined = await join(onPeer, room);

      expect(joined.members).toEqual([alice, bob].sort());
      expect(await onOther.next('room.presence', (p) => p.user === bob)).toEqual({ room, user: bob, state: 'joined' });
      onPeer.send({ event: 'room.send', data: { room, text: 'across' } });
      expect(await onOther.next('room.message')).toMatchObject({ sender: bob, text: 'across' });
      await post(room, 'via rest', serviceToken(), other.app).expect(201);
      expect(await onPeer.next('room.message', (m) => m.text === 'via rest')).toMatchObject({ room });
      await onPeer.close();
      expect(await onOther.next('room.presence', (p) => p.user === bob && p.state === 'left')).toMatchObject({ room });
    });
  });
});
