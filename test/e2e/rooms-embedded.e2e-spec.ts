import { unique } from '../support/test-env';
import { serviceToken, userToken } from '../support/tokens';
import { useHerald } from '../support/use-herald';

/** Rooms in the embedded deployment: SQLite, in-process broadcaster and presence. */
describe('rooms in embedded mode (SQLite file, in-process presence)', () => {
  const herald = useHerald({}, { embedded: true });

  it('stores, broadcasts, pages history and reports presence', async () => {
    const room = unique('room');
    const alice = unique('alice');
    const bob = unique('bob');
    const [aliceSocket, bobSocket] = await Promise.all([alice, bob].map((sub) => herald.connect(sub)));
    aliceSocket.send({ event: 'room.join', data: { room } });
    await aliceSocket.next('room.joined');
    bobSocket.send({ event: 'room.join', data: { room } });
    expect((await bobSocket.next('room.joined')).members).toEqual([alice, bob].sort());
    expect(await aliceSocket.next('room.presence', (p) => p.user === bob)).toEqual({ room, user: bob, state: 'joined' });

    bobSocket.send({ event: 'room.send', data: { room, text: 'over ws' } });
    expect(await aliceSocket.next('room.message')).toMatchObject({ room, sender: bob, text: 'over ws' });
    const pushed = await herald.app
      .http()
      .post(`/rooms/${room}/messages`)
      .set('authorization', `Bearer ${serviceToken()}`)
      .send({ text: 'over rest' })
      .expect(201);
    expect(await bobSocket.next('room.message', (m) => m.id === pushed.body.id)).toEqual(pushed.body);

    const history = await herald.app
      .http()
      .get(`/rooms/${room}/messages`)
      .set('authorization', `Bearer ${userToken(alice)}`)
      .expect(200);
    expect(history.body.items.map((m: any) => m.text)).toEqual(['over rest', 'over ws']);
    expect(history.body.nextCursor).toBeNull();

    await bobSocket.close();
    expect(await aliceSocket.next('room.presence', (p) => p.state === 'left')).toEqual({ room, user: bob, state: 'left' });
  });
});
