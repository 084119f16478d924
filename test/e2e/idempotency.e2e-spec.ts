import { useHerald } from '../support/use-herald';
import { unique } from '../support/test-env';
import { serviceToken, userToken } from '../support/tokens';
import { TestClient } from '../support/ws-client';

interface NotificationBody {
  id: string;
  type: string;
}

describe('POST /notifications with an Idempotency-Key', () => {
  const fixture = useHerald();
  const connect = (sub: string) => fixture.connect(sub);

  const post = (caller: string, body: object, key?: string) => {
    const test = fixture.app
      .http()
      .post('/notifications')
      .set('authorization', `Bearer ${serviceToken(caller)}`);
    if (key !== undefined) test.set('idempotency-key', key);
    return test.send(body);
  };

  /** The recipient's stored notifications of one type (types are unique per test). */
  const storedOfType = async (user: string, type: string): Promise<NotificationBody[]> => {
    const response = await fixture.app
      .http()
      .get('/notifications?limit=100')
      .set('authorization', `Bearer ${userToken(user)}`)
      .expect(200);
    return (response.body.items as NotificationBody[]).filter((item) => item.type === type);
  };

  /**
   * Proves a socket got no further copy of `id`: a marker published after
   * every request under test travels the same path, so once it has arrived
   * any copy of `id` would have arrived before it.
   */
  const expectDeliveredOnce = async (socket: TestClient, caller: string, recipient: string, id: string) => {
    const [marker] = (await post(caller, { recipients: [recipient], type: unique('marker') }).expect(201)).body.ids as string[];
    await socket.next('notification', (n) => n.id === marker);
    expect(socket.all('notification').filter((n) => n.id === id)).toHaveLength(1);
  };

  it('replays the same ids with Idempotent-Replayed: true and delivers the notification only once', async () => {
    const caller = unique('svc');
    const alice = unique('alice');
    const socket = await connect(alice);
    const key = unique('key');
    const type = unique('invoice.paid');
    const body = { recipients: [alice], type, actor: 'billing', payload: { invoice: 42 } };

    const first = await post(caller, body, key).expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const [id] = first.body.ids as string[];
    await socket.next('notification', (n) => n.id === id);

    const replay = await post(caller, body, key).expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual({ ids: [id] });

    await expectDeliveredOnce(socket, caller, alice, id);
    expect((await storedOfType(alice, type)).map((n) => n.id)).toEqual([id]);
  });

  it('treats the same JSON with its keys in another order as a replay', async () => {
    const caller = unique('svc');
    const alice = unique('alice');
    const bob = unique('bob');
    const key = unique('key');
    const type = unique('order.shipped');

    const first = await post(caller, { recipients: [alice, bob], type, actor: 'shop', payload: { order: 7, lines: [{ sku: 'a', qty: 1 }] } }, key).expect(201);
    const reordered = await post(caller, { payload: { lines: [{ qty: 1, sku: 'a' }], order: 7 }, actor: 'shop', type, recipients: [alice, bob] }, key).expect(
      201,
    );

    expect(reordered.headers['idempotent-replayed']).toBe('true');
    expect(reordered.body).toEqual(first.body);
    expect(await storedOfType(alice, type)).toHaveLength(1);
    expect(await storedOfType(bob, type)).toHaveLength(1);
  });

  it('refuses the same key with a different body with 422 idempotency_key_reused and stores nothing', async () => {
    const caller = unique('svc');
    const alice = unique('alice');
    const key = unique('key');
    const type = unique('first');
    const otherType = unique('second');

    const first = await post(caller, { recipients: [alice], type }, key).expect(201);
    const reused = await post(caller, { recipients: [alice], type: otherType }, key).expect(422);

    expect(reused.body).toMatchObject({ statusCode: 422, code: 'idempotency_key_reused' });
    expect(reused.headers['idempotent-replayed']).toBeUndefined();
    expect(await storedOfType(alice, otherType)).toEqual([]);
    expect((await storedOfType(alice, type)).map((n) => n.id)).toEqual(first.body.ids);
  });

  it('scopes keys to the caller: another service using the same key gets a fresh request', async () => {
    const alice = unique('alice');
    const socket = await connect(alice);
    const key = unique('key');
    const type = unique('shared.key');
    const body = { recipients: [alice], type };

    const fromA = await post(unique('svc-a'), body, key).expect(201);
    const fromB = await post(unique('svc-b'), body, key).expect(201);

    expect(fromB.headers['idempotent-replayed']).toBeUndefined();
    const [idA] = fromA.body.ids as string[];
    const [idB] = fromB.body.ids as string[];
    expect(idB).not.toBe(idA);
    await socket.next('notification', (n) => n.id === idB);
    expect((await storedOfType(alice, type)).map((n) => n.id)).toEqual([idB, idA]);
  });

  it('stores and delivers once when five identical requests race with one key, answering all with the same ids', async () => {
    const caller = unique('svc');
    const alice = unique('alice');
    const socket = await connect(alice);
    const key = unique('key');
    const type = unique('race');
    const body = { recipients: [alice], type, payload: { n: 1 } };

    const responses = await Promise.all(Array.from({ length: 5 }, () => post(caller, body, key)));

    expect(responses.map((response) => response.status)).toEqual([201, 201, 201, 201, 201]);
    const [id] = responses[0].body.ids as string[];
    for (const response of responses) expect(response.body).toEqual({ ids: [id] });
    expect(responses.filter((response) => response.headers['idempotent-replayed'] === 'true')).toHaveLength(4);
    expect((await storedOfType(alice, type)).map((n) => n.id)).toEqual([id]);
    await socket.next('notification', (n) => n.id === id);
    await expectDeliveredOnce(socket, caller, alice, id);
  });
});
