import { NotificationView, PLAIN_INBOX_FIELDS } from '../../src/common/server-frame';
import { expectEventually } from '../support/expect-eventually';
import { unique } from '../support/test-env';
import { adminToken, serviceToken, userToken } from '../support/tokens';
import { useHerald } from '../support/use-herald';

type NotificationBody = NotificationView;

interface FeedBody {
  items: NotificationBody[];
  nextCursor: string | null;
}

const ISO_8601 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** True when the ids are strictly decreasing as BIGINTs (which also makes them distinct). */
function strictlyDecreasing(ids: string[]): boolean {
  return ids.every((id, i) => i === 0 || BigInt(ids[i - 1]) > BigInt(id));
}

/**
 * Broadcasts reach every feed: every broadcast an earlier test of this file
 * stored is in every user's feed. Each test therefore starts its user with
 * `read-all` (so the unread view holds only what the test creates) and
 * judges the feed by the ids it created itself.
 */
describe('the notification feed (GET /notifications, unread-count, read, read-all)', () => {
  const herald = useHerald();

  const as = (user: string) => `Bearer ${userToken(user)}`;

  const notify = async (recipient: string, type = 'feed.test', payload: object = {}): Promise<string> => {
    const response = await herald.app
      .http()
      .post('/notifications')
      .set('authorization', `Bearer ${serviceToken()}`)
      .send({ recipients: [recipient], type, payload, actor: 'feed-svc' })
      .expect(201);
    return (response.body.ids as string[])[0];
  };

  /** `count` notifications to one user, one POST each (a repeated recipient is refused), oldest first. */
  const notifyMany = async (recipient: string, count: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(await notify(recipient, `feed.item.${i}`, { i }));
    return ids;
  };

  const broadcast = async (type = 'feed.broadcast'): Promise<string> => {
    const response = await herald.app
      .http()
      .post('/notifications/broadcast')
      .set('authorization', `Bearer ${adminToken()}`)
      .send({ type, payload: { note: 'everyone' } })
      .expect(201);
    return response.body.id as string;
  };

  const feed = async (user: string, query: Record<string, string> = {}): Promise<FeedBody> =>
    (await herald.app.http().get('/notifications').query(query).set('authorization', as(user)).expect(200)).body as FeedBody;

  const markRead = (user: string, id: string) => herald.app.http().post(`/notifications/${id}/read`).set('authorization', as(user));

  const readAll = async (user: string): Promise<void> => {
    await herald.app.http().post('/notifications/read-all').set('authorization', as(user)).expect(204);
  };

  /** A fresh user whose feed has nothing unread. */
  const freshUser = async (label: string): Promise<string> => {
    const user = unique(label);
    await readAll(user);
    return user;
  };

  /** Follows `nextCursor` from the newest page until it is null. */
  const allPages = async (user: string, query: Record<string, string>): Promise<FeedBody[]> => {
    const pages: FeedBody[] = [];
    let before: string | null = null;
    do {
      const page: FeedBody = await feed(user, before === null ? query : { ...query, before });
      pages.push(page);
      before = page.nextCursor;
    } while (before !== null && pages.length < 100);
    return pages;
  };

  const itemOf = async (user: string, id: string): Promise<NotificationBody | undefined> =>
    (await feed(user, { limit: '100' })).items.find((item) => item.id === id);

  /**
   * Asserts the unread count equals `expected` plus the unread items whose
   * ids this test did not create, counted either side of the request. The
   * app's database is this file's own and its tests run one at a time, so
   * there are none; the count stays exact should another writer share it.
   */
  const expectUnreadCount = (user: string, created: readonly string[], expected: number) =>
    expectEventually(async () => {
      const foreign = async () => (await feed(user, { unread: 'true', limit: '100' })).items.filter((item) => !created.includes(item.id)).length;
      const before = await foreign();
      const response = await herald.app.http().get('/notifications/unread-count').set('authorization', as(user)).expect(200);
      expect(await foreign()).toBe(before);
      expect(response.body).toEqual({ count: expected + before });
    });

  it('pages through 25 notifications newest first with limit=10, without gaps or overlaps, ending with a null cursor', async () => {
    const user = await freshUser('pager');
    const ids = await notifyMany(user, 25);
    const newestFirst = [...ids].reverse();

    const pages = await allPages(user, { unread: 'true', limit: '10' });
    const seen = pages.flatMap((page) => page.items.map((item) => item.id));
    expect(seen.filter((id) => ids.includes(id))).toEqual(newestFirst);
    expect(new Set(seen.filter((id) => ids.includes(id))).size).toBe(25);
    expect(strictlyDecreasing(seen)).toBe(true);
    pages.slice(0, -1).forEach((page) => {
      expect(page.items).toHaveLength(10);
      expect(page.nextCursor).toBe(page.items[page.items.length - 1].id);
    });
    expect(pages[pages.length - 1].nextCursor).toBeNull();
    expect(pages[pages.length - 1].items.length).toBeGreaterThan(0);
    expect(pages.length).toBe(Math.ceil(seen.length / 10));

    // The full feed (read and unread) pages the same way through the same ids.
    const full: string[] = [];
    let before: string | null = null;
    while (!full.includes(ids[0])) {
      const page: FeedBody = await feed(user, before === null ? { limit: '10' } : { limit: '10', before });
      expect(page.items.length).toBeLessThanOrEqual(10);
      full.push(...page.items.map((item) => item.id));
      if (page.nextCursor === null) break;
      before = page.nextCursor;
    }
    expect(full.filter((id) => ids.includes(id))).toEqual(newestFirst);
    expect(strictlyDecreasing(full)).toBe(true);
  });

  it('returns 20 items per page when no limit is given', async () => {
    const user = await freshUser('default-limit');
    const ids = await notifyMany(user, 25);

    const page = await feed(user);
    expect(page.items).toHaveLength(20);
    expect(page.nextCursor).toBe(page.items[19].id);
    const mine = page.items.map((item) => item.id).filter((id) => ids.includes(id));
    expect(mine).toEqual([...ids].reverse().slice(0, mine.length));

    const unread = await allPages(user, { unread: 'true' });
    expect(unread[0].items).toHaveLength(20);
    expect(unread.flatMap((p) => p.items.map((item) => item.id)).filter((id) => ids.includes(id))).toEqual([...ids].reverse());
  });

  it("merges broadcasts into the feed in id order with the user's own notifications, across page boundaries", async () => {
    const user = unique('merge');
    const other = unique('merge-other');
    const t1 = await notify(user, 'merge.targeted');
    const b1 = await broadcast('merge.broadcast');
    const t2 = await notify(user, 'merge.targeted');
    const b2 = await broadcast('merge.broadcast');
    const created = [t1, b1, t2, b2];

    const onePage = await feed(user, { limit: '100' });
    expect(onePage.items.map((item) => item.id).filter((id) => created.includes(id))).toEqual([b2, t2, b1, t1]);

    // Pages of 2 split the merged sequence between the targeted and broadcast halves.
    const paged: string[] = [];
    let before: string | null = null;
    while (!paged.includes(t1)) {
      const page: FeedBody = await feed(user, before === null ? { limit: '2' } : { limit: '2', before });
      paged.push(...page.items.map((item) => item.id));
      if (page.nextCursor === null) break;
      before = page.nextCursor;
    }
    expect(paged.filter((id) => created.includes(id))).toEqual([b2, t2, b1, t1]);
    expect(strictlyDecreasing(paged)).toBe(true);

    const othersFeed = (await feed(other, { limit: '100' })).items.map((item) => item.id).filter((id) => created.includes(id));
    expect(othersFeed).toEqual([b2, b1]);
  });

  it('returns only unread notifications with unread=true', async () => {
    const user = await freshUser('unread');
    const [a, b, c] = await notifyMany(user, 3);
    const shared = await broadcast('unread.broadcast');
    await markRead(user, b).expect(204);
    await markRead(user, shared).expect(204);

    const unread = await feed(user, { unread: 'true', limit: '100' });
    expect(unread.items.every((item) => item.readAt === null)).toBe(true);
    expect(unread.items.map((item) => item.id).filter((id) => [a, b, c, shared].includes(id))).toEqual([c, a]);

    const everything = (await feed(user, { limit: '100' })).items.map((item) => item.id);
    expect(everything).toEqual(expect.arrayContaining([a, b, c, shared]));
  });

  it('keeps an exact unread count that drops on read, ignores a repeated read and is zero after read-all', async () => {
    const user = await freshUser('count');
    const created = await notifyMany(user, 3);
    await expectUnreadCount(user, created, 3);

    await markRead(user, created[1]).expect(204);
    await expectUnreadCount(user, created, 2);

    await markRead(user, created[1]).expect(204);
    await expectUnreadCount(user, created, 2);

    const shared = await broadcast('count.broadcast');
    created.push(shared);
    await expectUnreadCount(user, created, 3);
    await markRead(user, shared).expect(204);
    await markRead(user, shared).expect(204);
    await expectUnreadCount(user, created, 2);

    created.push(await broadcast('count.broadcast'), await notify(user));
    await expectUnreadCount(user, created, 4);
    await readAll(user);
    await expectUnreadCount(user, created, 0);
    const unread = await feed(user, { unread: 'true', limit: '100' });
    expect(unread.items.filter((item) => created.includes(item.id))).toEqual([]);
  });

  it('sets readAt to an ISO-8601 time when a notification is read', async () => {
    const user = unique('read-at');
    const id = await notify(user, 'read-at.test', { k: 1 });
    const unread = await itemOf(user, id);
    expect(unread).toEqual({
      id,
      type: 'read-at.test',
      actor: 'feed-svc',
      payload: { k: 1 },
      createdAt: expect.stringMatching(ISO_8601),
      readAt: null,
      ...PLAIN_INBOX_FIELDS,
    });

    const before = Date.now();
    await markRead(user, id).expect(204);
    const read = await itemOf(user, id);
    expect(read?.readAt).toEqual(expect.stringMatching(ISO_8601));
    const readAt = Date.parse(read!.readAt!);
    expect(readAt).toBeGreaterThanOrEqual(Date.parse(read!.createdAt));
    expect(readAt).toBeGreaterThanOrEqual(before - 1_000);
    expect(readAt).toBeLessThanOrEqual(Date.now() + 1_000);
    // Read implies seen (docs/inbox.md).
    expect({ ...read, readAt: null, seenAt: null }).toEqual(unread);
  });

  it('marks a broadcast read for the reader only; another user still sees it unread', async () => {
    const alice = unique('alice');
    const bob = unique('bob');
    const id = await broadcast('per-user.broadcast');

    await markRead(alice, id).expect(204);

    expect((await itemOf(alice, id))?.readAt).toEqual(expect.stringMatching(ISO_8601));
    expect((await feed(alice, { unread: 'true', limit: '100' })).items.map((item) => item.id)).not.toContain(id);
    expect((await itemOf(bob, id))?.readAt).toBeNull();
    expect((await feed(bob, { unread: 'true', limit: '100' })).items.map((item) => item.id)).toContain(id);
  });

  it("answers 404 for another user's notification id without revealing or changing it", async () => {
    const alice = unique('alice');
    const mallory = unique('mallory');
    const secret = unique('secret-payload');
    const id = await notify(alice, 'secret.type.for.alice', { secret });

    const response = await markRead(mallory, id).expect(404);
    expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    const text = JSON.stringify(response.body);
    expect(text).not.toContain(secret);
    expect(text).not.toContain('secret.type.for.alice');
    expect(text).not.toContain(alice);
    expect(text).not.toContain('feed-svc');

    expect((await itemOf(alice, id))?.readAt).toBeNull();
    expect((await feed(mallory, { limit: '100' })).items.map((item) => item.id)).not.toContain(id);
  });

  it('answers 404 for an id that does not exist', async () => {
    const response = await markRead(unique('nobody'), '9000000000000000000').expect(404);
    expect(response.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });
});
