import { COUNTS_CONCURRENCY, LiveCounts } from '../../src/realtime/live-counts';
import { expectEventually } from '../support/expect-eventually';
import { InboxClient } from '../support/inbox-client';
import { parseExposition } from '../support/prometheus-text';
import { unique } from '../support/test-env';
import { adminToken } from '../support/tokens';
import { useHerald } from '../support/use-herald';

/** Broadcasts: one row, per-user state. Each test's broadcasts reach every user of this app, so each asserts on its own ids. */
describe('the inbox with broadcasts', () => {
  const herald = useHerald();
  const inbox = new InboxClient(() => herald.app);

  it('keeps each user’s seen, archived and deleted state of a broadcast apart', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const id = await inbox.broadcast({ title: 'Maintenance tonight', category: 'ops', severity: 'high' });
    await inbox.act(alice, '/notifications/seen', { ids: [id] }).expect(204);
    await inbox.act(alice, `/notifications/${id}/archive`).expect(204);

    const [archived] = (await inbox.feed(alice, { archived: 'true' })).items;
    expect(archived).toMatchObject({
      id,
      title: 'Maintenance tonight',
      category: 'ops',
      severity: 'high',
      seenAt: expect.any(String),
      archivedAt: expect.any(String),
    });
    expect(await inbox.feedIds(alice)).not.toContain(id);
    expect((await inbox.feed(bob)).items.find((item) => item.id === id)).toMatchObject({ seenAt: null, archivedAt: null });
    expect((await inbox.counts(bob)).byCategory.ops).toEqual({ unread: 1, unseen: 1 });
    expect((await inbox.counts(alice)).byCategory.ops).toBeUndefined();

    await inbox.act(bob, `/notifications/${id}`, undefined, 'delete').expect(204);
    expect(await inbox.feedIds(bob)).not.toContain(id);
    expect(await inbox.feedIds(bob, { archived: 'true' })).not.toContain(id);
    await inbox.act(bob, `/notifications/${id}/unread`).expect(404);
    await inbox.act(bob, `/notifications/${id}/read`).expect(404);
    const reads = await inbox
      .database()
      .query<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM broadcast_reads WHERE user_id = ? AND notification_id = ?', [bob, id]);
    expect(Number(reads[0].n)).toBe(0);
    await inbox.act(alice, `/notifications/${id}/unarchive`).expect(204);
    expect(await inbox.feedIds(alice)).toContain(id);
  });

  it('marks a broadcast unread again for one user only', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const id = await inbox.broadcast({ category: 'news' });
    for (const user of [alice, bob]) await inbox.act(user, `/notifications/${id}/read`).expect(204);
    await inbox.act(alice, `/notifications/${id}/unread`).expect(204);

    expect((await inbox.feed(alice, { unread: 'true' })).items.map((item) => item.id)).toContain(id);
    expect((await inbox.feed(bob, { unread: 'true' })).items.map((item) => item.id)).not.toContain(id);
  });

  it('does not push a broadcast in a category the user muted, unless critical, and pushes again once unmuted', async () => {
    const user = unique('muter');
    const category = `quiet-${Date.now()}`;
    await inbox.mute(user, category);
    const socket = await herald.connect(user);
    const muted = await inbox.broadcast({ category });
    const critical = await inbox.broadcast({ category, severity: 'critical' });
    const marker = await inbox.broadcast();
    await socket.next('notification', (n) => n.id === marker);
    const received = socket.all('notification').map((n) => n.id);
    expect(received).toEqual(expect.arrayContaining([critical, marker]));
    expect(received).not.toContain(muted);
    expect((await inbox.counts(user)).byCategory[category]).toEqual({ unread: 2, unseen: 2 });

    await inbox.mute(user, category, false);
    // The counts frame after a preference change comes once the socket applies it: with the category in the total again.
    const unmuted = await inbox.counts(user);
    await socket.next('counts', (c) => c.unread === unmuted.unread && c.byCategory[category]?.unread === 2);
    const after = await inbox.broadcast({ category });
    await socket.next('notification', (n) => n.id === after);
  });

  it('does not replay to a resuming socket a broadcast the user deleted or muted, and replays the others', async () => {
    const user = unique('resumer');
    const category = `hushed-${Date.now()}`;
    await inbox.mute(user, category);
    const before = await inbox.broadcast();
    const deleted = await inbox.broadcast();
    const muted = await inbox.broadcast({ category });
    const critical = await inbox.broadcast({ category, severity: 'critical' });
    const kept = await inbox.broadcast();
    await inbox.act(user, `/notifications/${deleted}`, undefined, 'delete').expect(204);

    const socket = await herald.connect(user, { since: before });
    await socket.next('resumed');
    const replayed = socket.all('notification').map((n) => n.id);
    expect(replayed).toEqual(expect.arrayContaining([critical, kept]));
    expect(replayed).not.toContain(deleted);
    expect(replayed).not.toContain(muted);
  });

  it('replaces a broadcast with the same collapse key and withdraws broadcasts from every socket', async () => {
    const key = unique('banner');
    const socket = await herald.connect(unique('viewer'));
    const first = await inbox.broadcast({ collapseKey: key, title: 'v1' });
    const second = await inbox.broadcast({ collapseKey: key, title: 'v2' });

    expect(await socket.next('notification', (n) => n.id === second)).toMatchObject({ replaces: first, title: 'v2' });
    const ids = await inbox.feedIds(unique('reader'));
    expect(ids).toContain(second);
    expect(ids).not.toContain(first);

    const response = await herald.app
      .http()
      .post('/notifications/withdraw')
      .set('authorization', `Bearer ${adminToken()}`)
      .send({ collapseKey: key })
      .expect(200);
    expect(response.body).toEqual({ withdrawn: 1 });
    expect(await socket.next('notification.deleted', (d) => d.ids.includes(second))).toEqual({ ids: [second] });
  });
});

/** An app of its own, so its counts-query figures are this test's alone. */
describe('counts after a broadcast to many sockets', () => {
  const herald = useHerald();
  const inbox = new InboxClient(() => herald.app);

  it('queries the counts once per user, never more than COUNTS_CONCURRENCY at once, and sends every socket exact counts', async () => {
    const users = Array.from({ length: 30 }, (_, i) => unique(`crowd-${i}`));
    const sockets = (await Promise.all(users.map((user) => Promise.all([herald.connect(user), herald.connect(user)])))).flat();
    const liveCounts = herald.app.app.get(LiveCounts);
    const before = liveCounts.stats();
    const category = unique('crowd');

    await inbox.broadcast({ category });

    await Promise.all(sockets.map((socket) => socket.next('counts', (c) => c.byCategory[category]?.unread === 1)));
    for (const [i, user] of users.entries()) {
      const truth = await inbox.counts(user);
      for (const socket of [sockets[2 * i], sockets[2 * i + 1]]) expect(socket.all('counts').at(-1)).toEqual(truth);
    }
    const after = liveCounts.stats();
    expect(after.peak).toBeLessThanOrEqual(COUNTS_CONCURRENCY);
    expect(after.delayed - before.delayed).toBeGreaterThan(0);
    // The two sockets of a user share its query.
    expect(after.started - before.started).toBeGreaterThanOrEqual(users.length);
    expect(after.started - before.started).toBeLessThan(sockets.length);
    // What an operator sees of it.
    const exposition = parseExposition((await herald.app.http().get('/metrics').expect(200)).text);
    expect(exposition.value('herald_counts_queries_peak')).toBe(after.peak);
    expect(exposition.value('herald_counts_queries_delayed_total')).toBe(after.delayed);
  });
});

/** Two instances of one deployment: collapse is decided in the database, whichever instance stores. */
describe('collapse across two instances', () => {
  const deployment = { REDIS_PREFIX: `${unique('herald-inbox')}:` };
  const a = useHerald(deployment);
  const b = useHerald(deployment);
  const onA = new InboxClient(() => a.app);
  const onB = new InboxClient(() => b.app);

  it('replaces a notification stored through one instance with one stored through the other, on sockets of both', async () => {
    const user = unique('alice');
    const [socketA, socketB] = [await a.connect(user), await b.connect(user)];
    const [older] = await onA.notify([user], { collapseKey: 'thread-1', title: '1 reply' });
    await Promise.all([socketA.next('notification', (n) => n.id === older), socketB.next('notification', (n) => n.id === older)]);
    const [newer] = await onB.notify([user], { collapseKey: 'thread-1', title: '2 replies' });

    for (const socket of [socketA, socketB]) expect(await socket.next('notification', (n) => n.id === newer)).toMatchObject({ replaces: older });
    expect(await onA.feedIds(user)).toEqual([newer]);
    expect(await onB.counts(user)).toEqual({ unread: 1, unseen: 1, byCategory: { general: { unread: 1, unseen: 1 } } });
  });
});

/** The embedded deployment runs the same rules on SQLite. */
describe('the inbox on embedded SQLite', () => {
  const herald = useHerald({}, { embedded: true });
  const inbox = new InboxClient(() => herald.app);

  it('stores the fields, filters, counts, marks, collapses, expires and withdraws', async () => {
    const user = unique('embedded');
    const socket = await herald.connect(user);
    await inbox.mute(user, 'promo');
    const [comment] = await inbox.notify([user], { title: 'Hi', category: 'comments', actions: [{ id: 'open', label: 'Open', url: '/x' }], collapseKey: 'c' });
    const [replacing] = await inbox.notify([user], { title: 'Hi again', category: 'comments', collapseKey: 'c' });
    const [promo] = await inbox.notify([user], { category: 'promo' });
    // Long enough to outlive the steps below on a loaded SQLite; the end waits for it rather than timing it.
    const [expiring] = await inbox.notify([user], { expiresAt: new Date(Date.now() + 5_000).toISOString() });

    expect(await socket.next('notification', (n) => n.id === replacing)).toMatchObject({ replaces: comment, actions: [] });
    expect(await inbox.feedIds(user)).toEqual([expiring, promo, replacing]);
    await inbox.act(user, '/notifications/seen', { all: true }).expect(204);
    await inbox.act(user, `/notifications/${replacing}/archive`).expect(204);
    expect(await inbox.counts(user)).toEqual({ unread: 1, unseen: 0, byCategory: { general: { unread: 1, unseen: 0 }, promo: { unread: 1, unseen: 0 } } });
    expect(socket.all('notification').map((n) => n.id)).not.toContain(promo);

    await expectEventually(async () => expect(await inbox.feedIds(user)).toEqual([promo]), 15_000);
    await socket.next('notification.deleted', (d) => d.ids.includes(expiring), 10_000);
    await herald.app.http().post('/notifications/withdraw').set('authorization', `Bearer ${adminToken()}`).send({ collapseKey: 'c' }).expect(200);
    expect(await inbox.feedIds(user, { archived: 'true' })).toEqual([]);
  });
});
