import { createConnection } from 'mysql2/promise';
import { byId, deliveryFaults, NO_FAULTS, notificationIds } from '../support/delivery-audit';
import { expectEventually } from '../support/expect-eventually';
import { inParallel } from '../support/in-parallel';
import { postNotifications } from '../support/outage-requests';
import { StreamWriter } from '../support/stream-writer';
import { unique } from '../support/test-env';
import { serviceToken } from '../support/tokens';
import { useHerald } from '../support/use-herald';

/**
 * Per-recipient delivery streams (docs/delivery.md): numbers taken under
 * each stream's lock in the inserting transaction, published by the
 * committing instance, gaps filled by the socket, lost publishes swept.
 * Two in-process instances of one deployment (shared MySQL, Redis and
 * prefix). The "lost" publishes are commits made the way Herald makes
 * them by a writer that never publishes: an instance that died between
 * its commit and its publish.
 */
describe('per-recipient delivery streams', () => {
  const deployment = { REDIS_PREFIX: `${unique('herald-streams')}:` };
  const a = useHerald(deployment);
  const b = useHerald(deployment);
  const service = () => serviceToken(unique('svc'));
  const databaseUrl = () => {
    const { database } = a.app.config;
    return database.kind === 'mysql' ? database.url : '';
  };
  const streamRow = async (user: string) => {
    const connection = await createConnection(databaseUrl());
    try {
      const [rows] = (await connection.query('SELECT last_seq, published_seq, pending_since FROM delivery_streams WHERE stream = ?', [user])) as unknown as [
        Array<{ last_seq: string; published_seq: string; pending_since: string | null }>,
      ];
      return { last: Number(rows[0].last_seq), published: Number(rows[0].published_seq), pending: rows[0].pending_since !== null };
    } finally {
      await connection.end();
    }
  };

  it("publishes, from the sweep of some instance, a notification whose instance committed it and never published it, to the user's sockets on both instances", async () => {
    const user = unique('lost');
    const sockets = [await a.connect(user), await b.connect(user)];
    const writer = await StreamWriter.open(databaseUrl());
    try {
      const lost = await writer.store(user, 'lost.publish');
      for (const socket of sockets) await socket.next('notification', (n) => n.id === lost, 15_000);
      await expectEventually(async () => expect(await streamRow(user)).toEqual({ last: 1, published: 1, pending: false }), 10_000, 20);

      // Later notifications follow it, and it never comes again.
      const later = await postNotifications(a.app.baseUrl, service(), [user], 'lost.later');
      for (const socket of sockets) {
        await socket.next('notification', (n) => n.id === later.ids[0], 10_000);
        expect(deliveryFaults(notificationIds(socket), [lost, later.ids[0]])).toEqual(NO_FAULTS);
      }
    } finally {
      await writer.close();
    }
  }, 30_000);

  it('fills from the database a notification whose publish was lost as soon as a later one of the same user arrives, before the later one', async () => {
    const user = unique('gap');
    const socket = await a.connect(user);
    const first = await postNotifications(a.app.baseUrl, service(), [user], 'gap.first');
    await socket.next('notification', (n) => n.id === first.ids[0]);
    const writer = await StreamWriter.open(databaseUrl());
    try {
      const lost = await writer.store(user, 'gap.lost');
      const later = await postNotifications(b.app.baseUrl, service(), [user], 'gap.later');
      await socket.next('notification', (n) => n.id === later.ids[0], 10_000);
      // The later frame showed the gap; the lost one came from the database ahead of it, not from the sweep after it.
      expect(notificationIds(socket)).toEqual([first.ids[0], lost, later.ids[0]]);
    } finally {
      await writer.close();
    }
  }, 30_000);

  it('gives every socket of a user each notification once and in order while both instances commit for that user at once, and both publish', async () => {
    const user = unique('both');
    const sockets = [await a.connect(user), await a.connect(user), await b.connect(user), await b.connect(user)];
    const instances = [a, b];
    const token = service();
    const posts = await inParallel(200, 8, (i) => postNotifications(instances[i % 2].app.baseUrl, token, [user], `both.${i}`));
    expect(posts.filter((post) => post.status !== 201)).toEqual([]);
    const ids = posts.flatMap((post) => post.ids).sort(byId);
    for (const socket of sockets) await socket.next('notification', (n) => n.id === ids[ids.length - 1], 15_000);
    // A sentinel after everything: a repeat or a straggler would arrive before it.
    const sentinel = await postNotifications(b.app.baseUrl, token, [user], 'both.sentinel');
    for (const socket of sockets) {
      await socket.next('notification', (n) => n.id === sentinel.ids[0], 10_000);
      expect(deliveryFaults(notificationIds(socket), [...ids, sentinel.ids[0]])).toEqual(NO_FAULTS);
    }
    // Numbers were dense: 201 notifications, 201 numbers, none left pending.
    await expectEventually(async () => expect(await streamRow(user)).toEqual({ last: 201, published: 201, pending: false }), 10_000, 20);
  }, 60_000);

  it('delivers the later of two committed notifications with a rolled-back one between them, and the rollback leaves no gap in the stream', async () => {
    const user = unique('rollback');
    const sockets = [await a.connect(user), await b.connect(user)];
    const token = service();
    const first = await postNotifications(a.app.baseUrl, token, [user], 'rollback.first');
    const writer = await StreamWriter.open(databaseUrl());
    try {
      await writer.begin();
      await writer.insert(user, 'rollback.never');
      // Waits for the user's stream behind the open transaction.
      const posting = postNotifications(b.app.baseUrl, token, [user], 'rollback.later');
      await writer.rollback();
      const later = await posting;
      expect(later.status).toBe(201);
      for (const socket of sockets) {
        await socket.next('notification', (n) => n.id === later.ids[0], 10_000);
        expect(notificationIds(socket)).toEqual([first.ids[0], later.ids[0]]);
      }
      // The rolled-back number was given back: the later notification took it, so nobody has a gap to wait out.
      expect((await streamRow(user)).last).toBe(2);
    } finally {
      await writer.close();
    }
  }, 30_000);

  it("delivers another user's notification while a transaction holding one user's stream is still open, and through that user's Idempotency-Key race", async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const [aliceSocket, bobSocket] = [await a.connect(alice), await b.connect(bob)];
    const token = service();
    const writer = await StreamWriter.open(databaseUrl());
    let bobFirst: Awaited<ReturnType<typeof postNotifications>>;
    try {
      // An open (soon rolled-back) transaction on alice's stream: bob's notification must not wait for it.
      await writer.begin();
      await writer.insert(alice, 'pause.never');
      bobFirst = await postNotifications(a.app.baseUrl, token, [bob], 'pause.bob');
      await bobSocket.next('notification', (n) => n.id === bobFirst.ids[0], 10_000);
      await writer.rollback();
    } finally {
      await writer.close();
    }

    // Three retries of one POST with one key at once (two roll back), beside a POST for bob.
    const key = unique('race');
    const race = (instance: typeof a) =>
      instance.app
        .http()
        .post('/notifications')
        .set('authorization', `Bearer ${token}`)
        .set('idempotency-key', key)
        .send({ recipients: [alice], type: 'pause.race' });
    const [r1, r2, r3, bobSecond] = await Promise.all([race(a), race(b), race(a), postNotifications(b.app.baseUrl, token, [bob], 'pause.bob2')]);
    expect([r1.status, r2.status, r3.status]).toEqual([201, 201, 201]);
    expect(new Set([r1, r2, r3].map((response) => (response.body.ids as string[])[0])).size).toBe(1);
    const raced = (r1.body.ids as string[])[0];
    await bobSocket.next('notification', (n) => n.id === bobSecond.ids[0], 10_000);
    await aliceSocket.next('notification', (n) => n.id === raced, 10_000);
    const marker = await postNotifications(a.app.baseUrl, token, [alice], 'pause.marker');
    await aliceSocket.next('notification', (n) => n.id === marker.ids[0], 10_000);
    expect(notificationIds(aliceSocket)).toEqual([raced, marker.ids[0]]);
    expect(notificationIds(bobSocket)).toEqual([bobFirst.ids[0], bobSecond.ids[0]]);
  }, 30_000);
});
