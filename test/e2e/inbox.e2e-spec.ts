import { NotificationCounts } from '../../src/common/server-frame';
import { expectEventually } from '../support/expect-eventually';
import { InboxClient } from '../support/inbox-client';
import { StreamWriter } from '../support/stream-writer';
import { unique } from '../support/test-env';
import { serviceToken, userToken } from '../support/tokens';
import { useHerald } from '../support/use-herald';
import { within } from '../support/within';

const ISO_8601 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

/** Targeted notifications only (broadcasts would reach every user's counts): see inbox-broadcasts.e2e-spec.ts for those. */
describe('the inbox (targeted notifications)', () => {
  const herald = useHerald();
  const inbox = new InboxClient(() => herald.app);

  it('stores the inbox fields and returns them in the feed and on the socket, with defaults for the rest', async () => {
    const alice = unique('alice');
    const socket = await herald.connect(alice);
    const expiresAt = inSeconds(3600);
    const fields = {
      title: 'Bob commented',
      body: 'Looks good',
      url: 'https://example.com/posts/7',
      category: 'comments',
      severity: 'high',
      actions: [
        { id: 'reply', label: 'Reply', url: '/posts/7#reply' },
        { id: 'dismiss', label: 'Dismiss' },
      ],
      expiresAt,
      collapseKey: 'post-7',
    };
    const [id] = await inbox.notify([alice], fields);
    const [plain] = await inbox.notify([alice]);

    const [newest, first] = (await inbox.feed(alice)).items;
    expect(first).toMatchObject({ id, ...fields, expiresAt: new Date(expiresAt).toISOString(), readAt: null, seenAt: null, archivedAt: null });
    expect(first.createdAt).toMatch(ISO_8601);
    expect(newest).toMatchObject({ id: plain, title: null, body: null, url: null, category: 'general', severity: 'normal', actions: [], expiresAt: null });
    expect(await socket.next('notification', (n) => n.id === id)).toEqual(first);
  });

  it.each([
    ['a javascript: url', { url: 'javascript:alert(1)' }, 'url'],
    ['a data: url', { url: 'data:text/html,<script>alert(1)</script>' }, 'url'],
    ['a protocol-relative url', { url: '//evil.example/x' }, 'url'],
    ['a javascript: action url', { actions: [{ id: 'go', label: 'Go', url: 'javascript:alert(1)' }] }, 'url'],
    ['three actions', { actions: [1, 2, 3].map((i) => ({ id: `a${i}`, label: 'x' })) }, 'actions'],
    ['two actions with one id', { actions: [1, 2].map(() => ({ id: 'same', label: 'x' })) }, 'actions'],
    ['an action label over 40 characters', { actions: [{ id: 'a', label: 'x'.repeat(41) }] }, 'label'],
    ['an upper-case category', { category: 'Comments' }, 'category'],
    ['an unknown severity', { severity: 'urgent' }, 'severity'],
    ['an expiresAt in the past', { expiresAt: new Date(Date.now() - 1000).toISOString() }, 'expiresAt'],
    ['a title over 200 characters', { title: 'x'.repeat(201) }, 'title'],
    ['an empty body', { body: '' }, 'body'],
    ['a seenAt (not accepted on POST)', { seenAt: new Date().toISOString() }, 'seenAt'],
  ])('refuses %s with a 400 naming the field', async (_label, fields, field) => {
    const response = await herald.app
      .http()
      .post('/notifications')
      .set('authorization', `Bearer ${serviceToken()}`)
      .send({ recipients: [unique('r')], type: 'inbox.bad', ...fields })
      .expect(400);
    expect(JSON.stringify(response.body.message)).toContain(field);
  });

  it('filters the feed by category, severity, unseen and archived', async () => {
    const user = unique('filters');
    const [comment] = await inbox.notify([user], { category: 'comments' });
    const [critical] = await inbox.notify([user], { category: 'billing', severity: 'critical' });
    const [archived] = await inbox.notify([user], { category: 'comments' });
    const [seen] = await inbox.notify([user]);
    await inbox.act(user, `/notifications/${archived}/archive`).expect(204);
    await inbox.act(user, '/notifications/seen', { ids: [seen] }).expect(204);

    expect(await inbox.feedIds(user)).toEqual([seen, critical, comment]);
    expect(await inbox.feedIds(user, { category: 'comments' })).toEqual([comment]);
    expect(await inbox.feedIds(user, { severity: 'critical' })).toEqual([critical]);
    expect(await inbox.feedIds(user, { unseen: 'true' })).toEqual([critical, comment]);
    expect(await inbox.feedIds(user, { archived: 'true' })).toEqual([archived]);
    expect(await inbox.feedIds(user, { archived: 'true', category: 'billing' })).toEqual([]);
  });

  it('answers 404 to marks on another user’s notification and changes nothing; seen ignores their ids', async () => {
    const [owner, other] = [unique('owner'), unique('other')];
    const [id] = await inbox.notify([owner]);
    for (const path of ['unread', 'archive', 'unarchive']) await inbox.act(other, `/notifications/${id}/${path}`).expect(404);
    await inbox.act(other, `/notifications/${id}`, undefined, 'delete').expect(404);
    await inbox.act(other, '/notifications/seen', { ids: [id] }).expect(204);

    expect((await inbox.feed(owner)).items).toEqual([expect.objectContaining({ id, seenAt: null, archivedAt: null, readAt: null })]);
  });

  it.each([
    ['both ids and all', { ids: ['1'], all: true }],
    ['neither', {}],
    ['101 ids', { ids: Array.from({ length: 101 }, (_, i) => String(i + 1)) }],
    ['an id that is not one', { ids: ['abc'] }],
    ['all: false', { all: false }],
  ])('refuses POST /notifications/seen with %s (400)', async (_label, body) => {
    await inbox.act(unique('u'), '/notifications/seen', body).expect(400);
  });

  it('keeps seen when marked unread, marks seen when read, and leaves both alone when archiving', async () => {
    const user = unique('states');
    const [id] = await inbox.notify([user]);
    await inbox.act(user, `/notifications/${id}/read`).expect(204);
    const read = (await inbox.feed(user)).items[0];
    expect(read.readAt).toMatch(ISO_8601);
    expect(read.seenAt).toMatch(ISO_8601);

    await inbox.act(user, `/notifications/${id}/unread`).expect(204);
    await inbox.act(user, `/notifications/${id}/archive`).expect(204);
    const [archived] = (await inbox.feed(user, { archived: 'true' })).items;
    expect(archived).toMatchObject({ id, readAt: null, seenAt: read.seenAt, archivedAt: expect.stringMatching(ISO_8601) });

    await inbox.act(user, `/notifications/${id}/unarchive`).expect(204);
    expect(await inbox.feedIds(user)).toEqual([id]);
  });

  it('archives only what was read with archive-read, and deletes for good with DELETE', async () => {
    const user = unique('archive-read');
    const [read, unread, deleted] = await Promise.all([inbox.notify([user]), inbox.notify([user]), inbox.notify([user])]).then((ids) => ids.map(([id]) => id));
    await inbox.act(user, `/notifications/${read}/read`).expect(204);
    await inbox.act(user, '/notifications/archive-read').expect(204);
    await inbox.act(user, `/notifications/${deleted}`, undefined, 'delete').expect(204);

    expect(await inbox.feedIds(user)).toEqual([unread]);
    expect(await inbox.feedIds(user, { archived: 'true' })).toEqual([read]);
    await inbox.act(user, `/notifications/${deleted}/archive`).expect(404);
  });

  it('counts unread and unseen per category, leaving archived and muted categories out of the top level but not critical ones', async () => {
    const user = unique('counts');
    await inbox.mute(user, 'marketing');
    await inbox.notify([user], { category: 'comments' });
    const [seen] = await inbox.notify([user], { category: 'comments' });
    await inbox.notify([user], { category: 'marketing' });
    await inbox.notify([user], { category: 'marketing', severity: 'critical' });
    const [archived] = await inbox.notify([user]);
    const [read] = await inbox.notify([user]);
    await inbox.act(user, '/notifications/seen', { ids: [seen] }).expect(204);
    await inbox.act(user, `/notifications/${archived}/archive`).expect(204);
    await inbox.act(user, `/notifications/${read}/read`).expect(204);

    expect(await inbox.counts(user)).toEqual({
      unread: 3,
      unseen: 2,
      byCategory: { comments: { unread: 2, unseen: 1 }, marketing: { unread: 2, unseen: 2 } },
    });
  });

  it('stores a muted category’s notifications and lists them under ?category=, but pushes only critical ones', async () => {
    const user = unique('muted');
    await inbox.mute(user, 'promo');
    const socket = await herald.connect(user);
    const [quiet] = await inbox.notify([user], { category: 'promo' });
    const [loud] = await inbox.notify([user], { category: 'promo', severity: 'critical' });
    const [marker] = await inbox.notify([user]);

    await socket.next('notification', (n) => n.id === marker);
    expect(socket.all('notification').map((n) => n.id)).toEqual([loud, marker]);
    expect(await inbox.feedIds(user, { category: 'promo' })).toEqual([loud, quiet]);
    expect(await inbox.preferences(user)).toEqual({ categories: { general: { muted: false }, promo: { muted: true } } });

    await inbox.mute(user, 'promo', false);
    const [after] = await inbox.notify([user], { category: 'promo' });
    await socket.next('notification', (n) => n.id === after);
  });

  it('answers PUT /preferences while a POST to that user is in flight, and mutes the next POST', async () => {
    const user = unique('inflight');
    const database = herald.app.config.database;
    const writer = await StreamWriter.open(database.kind === 'mysql' ? database.url : '');
    try {
      // An open transaction on the user's stream: the POST below reads the mutes, then waits for the stream row.
      await writer.begin();
      await writer.insert(user, 'inflight.writer');
      const posting = inbox.notify([user], { category: 'promo' });
      // Past its first statement: it waits on the stream row the writer holds.
      await expectEventually(async () => {
        const upserting = await inbox
          .database()
          .query<unknown[]>("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'INSERT INTO delivery_streams%' AND INFO LIKE ?", [`%'${user}'%`]);
        expect(upserting).toHaveLength(1);
      });
      // Neither the first setting (a new row) nor a change of it waits for the POST: its mute read locked nothing.
      await within(inbox.mute(user, 'promo'), 5_000, 'the first PUT /preferences');
      await within(inbox.mute(user, 'promo', false), 5_000, 'the second PUT /preferences');
      await within(inbox.mute(user, 'promo'), 5_000, 'the third PUT /preferences');
      await writer.commit();
      await posting;
    } finally {
      await writer.close();
    }
    const socket = await herald.connect(user);
    const [quiet] = await inbox.notify([user], { category: 'promo' });
    const [marker] = await inbox.notify([user]);
    await socket.next('notification', (n) => n.id === marker);
    expect(socket.all('notification').map((n) => n.id)).toEqual([marker]);
    expect(await inbox.feedIds(user, { category: 'promo' })).toContain(quiet);
  }, 30_000);

  it('refuses a bad category or body on PUT /preferences/categories/:category (400)', async () => {
    await inbox.act(unique('u'), '/preferences/categories/Bad!', { muted: true }, 'put').expect(400);
    await inbox.act(unique('u'), '/preferences/categories/ok', { muted: 'yes' }, 'put').expect(400);
  });

  it('shows each device the state changes and counts made on another', async () => {
    const user = unique('devices');
    const [phone, laptop] = [await herald.connect(user), await herald.connect(user)];
    const [a, b] = (await Promise.all([inbox.notify([user], { category: 'comments' }), inbox.notify([user])])).map(([id]) => id);
    const settled = (counts: NotificationCounts) => (c: NotificationCounts) => JSON.stringify(c) === JSON.stringify(counts);
    const two = { unread: 2, unseen: 2, byCategory: { comments: { unread: 1, unseen: 1 }, general: { unread: 1, unseen: 1 } } };
    await Promise.all([phone.next('counts', settled(two)), laptop.next('counts', settled(two))]);

    await inbox.act(user, '/notifications/seen', { ids: [a] }).expect(204);
    await inbox.act(user, `/notifications/${b}/read`).expect(204);
    await inbox.act(user, `/notifications/${a}/archive`).expect(204);
    await inbox.act(user, `/notifications/${b}`, undefined, 'delete').expect(204);

    for (const socket of [phone, laptop]) {
      await socket.next('notification.state', (s) => 'ids' in s && s.ids[0] === a && s.seen === true);
      await socket.next('notification.read', (s) => 'ids' in s && s.ids[0] === b);
      await socket.next('notification.state', (s) => 'ids' in s && s.ids[0] === b && s.read === true && s.seen === true);
      await socket.next('notification.state', (s) => 'ids' in s && s.ids[0] === a && s.archived === true);
      await socket.next('notification.deleted', (s) => s.ids[0] === b);
      await socket.next('counts', settled({ unread: 0, unseen: 0, byCategory: {} }));
    }
  });

  it('sends at most one counts frame per 250 ms per socket, and the last one is exact', async () => {
    const user = unique('coalesce');
    const socket = await herald.connect(user);
    const [id] = await inbox.notify([user]);
    await socket.next('counts', (c) => c.unread === 1);
    const arrivals: Array<{ event: string; at: number }> = [];
    socket.socket.on('message', (raw: Buffer) => arrivals.push({ event: (JSON.parse(raw.toString()) as { event: string }).event, at: Date.now() }));

    for (let i = 0; i < 20; i++) await inbox.act(user, `/notifications/${id}/${i % 2 === 0 ? 'read' : 'unread'}`).expect(204);

    const states = () => arrivals.filter((frame) => frame.event === 'notification.state').length;
    await expectEventually(() => {
      const last = arrivals.map((frame) => frame.event).lastIndexOf('counts');
      expect(states()).toBe(20);
      expect(last).toBeGreaterThan(arrivals.map((frame) => frame.event).lastIndexOf('notification.state'));
    }, 10_000);
    const counts = arrivals.filter((frame) => frame.event === 'counts');
    // 250 ms apart when sent; 150 ms at the client leaves room for delivery jitter and still fails without coalescing.
    for (let i = 1; i < counts.length; i++) expect(counts[i].at - counts[i - 1].at).toBeGreaterThanOrEqual(150);
    expect(counts.length).toBeLessThan(20);
    expect(socket.all('counts').at(-1)).toEqual(await inbox.counts(user));
  });

  it('sends the current counts after resumed to a resuming socket', async () => {
    const user = unique('resume');
    const [first] = await inbox.notify([user], { category: 'comments' });
    await inbox.notify([user]);
    const socket = await herald.connect(user, { since: first });

    await socket.next('resumed');
    const counts = await socket.next('counts');
    expect(counts).toEqual({ unread: 2, unseen: 2, byCategory: { comments: { unread: 1, unseen: 1 }, general: { unread: 1, unseen: 1 } } });
    expect(socket.frames.findIndex((f) => f.event === 'counts')).toBeGreaterThan(socket.frames.findIndex((f) => f.event === 'resumed'));
  });

  it('replaces the older notification with the same collapse key for each recipient, naming it in `replaces`', async () => {
    const [alice, bob] = [unique('alice'), unique('bob')];
    const socket = await herald.connect(alice);
    const [aliceOld, bobOld] = await inbox.notify([alice, bob], { collapseKey: 'post-9', title: '1 new comment' });
    const [otherKey] = await inbox.notify([alice], { collapseKey: 'post-10' });
    const [aliceNew] = await inbox.notify([alice], { collapseKey: 'post-9', title: '2 new comments' });

    expect(await socket.next('notification', (n) => n.id === aliceNew)).toMatchObject({ replaces: aliceOld, title: '2 new comments' });
    expect(await inbox.feedIds(alice)).toEqual([aliceNew, otherKey]);
    expect(await inbox.feedIds(bob)).toEqual([bobOld]);
    expect((await inbox.counts(alice)).unread).toBe(2);
  });

  it('replaces a notification with the key that committed while the POST waited for the stream lock', async () => {
    const user = unique('collapse-wait');
    const socket = await herald.connect(user);
    const database = herald.app.config.database;
    const writer = await StreamWriter.open(database.kind === 'mysql' ? database.url : '');
    try {
      await writer.begin();
      const older = await writer.insert(user, 'collapse.writer', 'post-11');
      const posting = inbox.notify([user], { collapseKey: 'post-11' });
      await expectEventually(async () => {
        const upserting = await inbox
          .database()
          .query<unknown[]>("SELECT ID FROM information_schema.PROCESSLIST WHERE INFO LIKE 'INSERT INTO delivery_streams%' AND INFO LIKE ?", [`%'${user}'%`]);
        expect(upserting).toHaveLength(1);
      });
      // The row commits after the POST began and before it reads the key's rows under the stream lock: it is replaced.
      await writer.commit();
      const [newer] = await posting;
      expect(await socket.next('notification', (n) => n.id === newer, 10_000)).toMatchObject({ replaces: older });
      expect(await inbox.feedIds(user)).toEqual([newer]);
    } finally {
      await writer.close();
    }
  }, 30_000);

  it('withdraws by collapse key from the listed recipients, or from everyone, and tells their sockets', async () => {
    const [alice, bob, carol] = [unique('alice'), unique('bob'), unique('carol')];
    const key = unique('deal');
    const [aliceSocket, bobSocket] = [await herald.connect(alice), await herald.connect(bob)];
    const [aliceId, bobId, carolId] = await inbox.notify([alice, bob, carol], { collapseKey: key });
    const withdraw = (body: object) => herald.app.http().post('/notifications/withdraw').set('authorization', `Bearer ${serviceToken()}`).send(body);

    expect((await withdraw({ collapseKey: key, recipients: [alice] }).expect(200)).body).toEqual({ withdrawn: 1 });
    expect(await aliceSocket.next('notification.deleted')).toEqual({ ids: [aliceId] });
    expect((await withdraw({ collapseKey: key }).expect(200)).body).toEqual({ withdrawn: 2 });
    expect(await bobSocket.next('notification.deleted')).toEqual({ ids: [bobId] });
    expect([await inbox.feedIds(alice), await inbox.feedIds(bob), await inbox.feedIds(carol)]).toEqual([[], [], []]);
    void carolId;
    await herald.app
      .http()
      .post('/notifications/withdraw')
      .set('authorization', `Bearer ${userToken(alice)}`)
      .send({ collapseKey: key })
      .expect(403);
    await withdraw({ recipients: [alice] }).expect(400);
  });

  it('takes an expired notification out of the feed and counts, and tells the socket within 5 s of expiresAt', async () => {
    const user = unique('expiry');
    const socket = await herald.connect(user);
    // Enough ahead that a slow POST still stores a future expiresAt.
    const expiresAt = inSeconds(4);
    const [id] = await inbox.notify([user], { expiresAt });
    const [stays] = await inbox.notify([user]);
    await socket.next('notification', (n) => n.id === id);

    await socket.next('notification.deleted', (d) => d.ids.includes(id), 12_000);
    expect(Date.now() - Date.parse(expiresAt)).toBeLessThan(5_000);
    expect(await inbox.feedIds(user)).toEqual([stays]);
    expect((await inbox.counts(user)).unread).toBe(1);
    await inbox.act(user, `/notifications/${id}/read`).expect(404);
  });

  it('answers 404 to marking read an expired notification that the expiry has not removed yet, and leaves it unread', async () => {
    const user = unique('expired-read');
    const [id] = await inbox.notify([user], { expiresAt: inSeconds(3600) });
    await inbox.database().query('UPDATE notifications SET expires_at = ? WHERE id = ?', [new Date(Date.now() - 1000), id]);

    await inbox.act(user, `/notifications/${id}/read`).expect(404);
    const [state] = await inbox.database().query<Array<{ n: number }>>('SELECT COUNT(*) AS n FROM notifications WHERE id = ? AND read_at IS NOT NULL', [id]);
    expect(Number(state.n)).toBe(0);
  });
});

/** Retention walks ids from the oldest: a database of its own, whose first notifications are made old. */
describe('the retention purge', () => {
  const herald = useHerald();
  const inbox = new InboxClient(() => herald.app);

  it('purges notifications older than RETENTION_DAYS (90) and keeps younger ones', async () => {
    const user = unique('retention');
    const [old, older, young, recent] = await inbox.notify([user, `${user}-2`, `${user}-3`, `${user}-4`]);
    const database = inbox.database();
    const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000);
    await database.query('UPDATE notifications SET created_at = ? WHERE id IN (?, ?)', [daysAgo(91), old, older]);
    await database.query('UPDATE notifications SET created_at = ? WHERE id = ?', [daysAgo(89), young]);

    await expectEventually(async () => {
      const rows = await database.query<Array<{ id: string }>>('SELECT id FROM notifications ORDER BY id');
      expect(rows.map((row) => String(row.id))).toEqual([young, recent]);
    }, 10_000);
  });
});
