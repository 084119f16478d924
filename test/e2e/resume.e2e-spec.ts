import { notificationIds } from '../support/delivery-audit';
import { StreamWriter } from '../support/stream-writer';
import { useHerald } from '../support/use-herald';
import { unique } from '../support/test-env';
import { adminToken, serviceToken, userToken } from '../support/tokens';
import { upgradeStatus } from '../support/ws-client';

const before = (id: string): string => (BigInt(id) - 1n).toString();

describe('resuming after a disconnect (?since= and resume)', () => {
  const fixture = useHerald();
  const notify = async (recipients: string[], type = 'resume.test'): Promise<string[]> =>
    (await fixture.app.http().post('/notifications').set('authorization', `Bearer ${serviceToken()}`).send({ recipients, type }).expect(201)).body.ids;
  /**
   * `count` single-recipient POSTs, 10 at a time (each its own transaction
   * and row), then waits until a live socket of the recipient has
   * the newest: from then on the relay has published them all.
   */
  const notifyMany = async (recipient: string, count: number): Promise<string[]> => {
    const watcher = await fixture.connect(recipient);
    const ids: string[] = [];
    for (let start = 0; start < count; start += 10) {
      const batch = await Promise.all(Array.from({ length: Math.min(10, count - start) }, (_, i) => notify([recipient], `n${start + i}`)));
      ids.push(...batch.flat());
    }
    ids.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    await watcher.next('notification', (n) => n.id === ids[ids.length - 1], 20_000);
    await watcher.close();
    return ids;
  };

  it('replays everything stored since the given id, once each and in id order, then says resumed', async () => {
    const alice = unique('alice');
    const first = await notify([alice]);
    const missed = await notifyMany(alice, 5);
    const client = await fixture.connect(alice, { since: first[0] });

    expect(await client.next('resumed')).toEqual({ since: first[0], count: 5 });
    expect(notificationIds(client)).toEqual(missed);
    // Live delivery goes on after the replay, without repeating it.
    const [live] = await notify([alice]);
    await client.next('notification', (n) => n.id === live);
    expect(notificationIds(client)).toEqual([...missed, live]);
  });

  it('includes broadcasts and reports each notification with the user read state', async () => {
    const alice = unique('alice');
    const watcher = await fixture.connect(alice);
    const [own] = await notify([alice]);
    const broadcast = (await fixture.app.http().post('/notifications/broadcast').set('authorization', `Bearer ${adminToken()}`).send({ type: 'b' }).expect(201))
      .body.id as string;
    await fixture.app
      .http()
      .post(`/notifications/${own}/read`)
      .set('authorization', `Bearer ${userToken(alice)}`)
      .expect(204);
    await watcher.next('notification', (n) => n.id === broadcast);

    const client = await fixture.connect(alice, { since: before(own) });
    expect(await client.next('resumed')).toEqual({ since: before(own), count: 2 });
    expect(client.all('notification')).toEqual([
      expect.objectContaining({ id: own, readAt: expect.any(String) }),
      expect.objectContaining({ id: broadcast, readAt: null }),
    ]);
  });

  it('answers a resume event mid-connection and never repeats an id the socket already had', async () => {
    const alice = unique('alice');
    const client = await fixture.connect(alice);
    const ids = await notifyMany(alice, 3);

    client.send({ event: 'resume', data: { since: before(ids[0]) } });
    // It had them all live: nothing is sent again.
    expect(await client.next('resumed')).toEqual({ since: before(ids[0]), count: 0 });
    expect(notificationIds(client)).toEqual(ids);
  });

  it('sends resync and only the newest page of the feed, archived ones left out, when more than 1,000 were missed', async () => {
    const alice = unique('alice');
    const [start] = await notify([alice]);
    const ids = await notifyMany(alice, 1_001);
    await fixture.app
      .http()
      .post(`/notifications/${ids[ids.length - 1]}/archive`)
      .set('authorization', `Bearer ${userToken(alice)}`)
      .expect(204);

    const client = await fixture.connect(alice, { since: start });
    expect(await client.next('resync')).toEqual({ since: start, limit: 1_000 });
    expect(await client.next('resumed')).toEqual({ since: start, count: 100 });
    expect(notificationIds(client)).toEqual(ids.slice(-101, -1));
    expect(client.frames.findIndex((f) => f.event === 'resync')).toBeLessThan(client.frames.findIndex((f) => f.event === 'notification'));
    // 1,001 POSTs for one user: they take that user's stream one transaction at a time (docs/delivery.md).
  }, 120_000);

  it('refuses an upgrade whose since is not a notification id with 400, and a bad resume with an error frame', async () => {
    const alice = unique('alice');
    for (const since of ['abc', '-1', '01', '99999999999999999999', '1.5']) {
      expect(await upgradeStatus(fixture.app.wsUrl, { token: userToken(alice), since })).toBe(400);
    }
    const client = await fixture.connect(alice);
    client.send({ event: 'resume', data: { since: 7 } });
    expect(await client.next('error')).toEqual({ code: 'invalid_data', message: expect.stringContaining('since') });
  });

  it('never lets a later notification overtake one still uncommitted for the same user: the later one waits for it, live and on resume', async () => {
    const alice = unique('alice');
    const live = await fixture.connect(alice);
    const [previous] = await notify([alice]);
    await live.next('notification', (n) => n.id === previous);

    // A writer that has taken alice's next number and inserted, but not committed yet.
    const writer = await StreamWriter.open(fixture.app.config.database.kind === 'mysql' ? fixture.app.config.database.url : '');
    try {
      await writer.begin();
      const smaller = await writer.insert(alice, 'slow.writer');

      // The next POST for alice waits for alice's stream: it cannot take a number, let alone commit, before the writer ends.
      const posting = notify([alice]);
      // A client resuming from just before the smaller id gets neither yet.
      const resumed = await fixture.connect(alice, { since: previous });
      expect(await resumed.next('resumed')).toEqual({ since: previous, count: 0 });

      await writer.commit();
      const [larger] = await posting;
      expect(BigInt(larger)).toBeGreaterThan(BigInt(smaller));
      // The writer never publishes (it stands in for a slow instance too): the larger one's frame shows the gap, which the socket fills from the database.
      for (const client of [live, resumed]) {
        await client.next('notification', (n) => n.id === larger, 10_000);
        expect(notificationIds(client).filter((id) => id !== previous)).toEqual([smaller, larger]);
      }
    } finally {
      await writer.close();
    }
  }, 30_000);
});
