import { NotificationCounts } from '../../src/common/server-frame';
import { expectEventually } from '../support/expect-eventually';
import { InboxClient } from '../support/inbox-client';
import { scrapeMetrics } from '../support/scrape-metrics';
import { unique } from '../support/test-env';
import { useHerald } from '../support/use-herald';

/** What the test believes one notification's state is. */
interface Model {
  category: string;
  read: boolean;
  seen: boolean;
  archived: boolean;
}

/** A small deterministic PRNG (mulberry32), so a failing sequence can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function expected(model: Map<string, Model>, muted: ReadonlySet<string>): NotificationCounts {
  const counts: NotificationCounts = { unread: 0, unseen: 0, byCategory: {} };
  for (const n of model.values()) {
    if (n.read || n.archived) continue;
    const category = (counts.byCategory[n.category] ??= { unread: 0, unseen: 0 });
    category.unread++;
    if (!n.seen) category.unseen++;
    if (muted.has(n.category)) continue;
    counts.unread++;
    if (!n.seen) counts.unseen++;
  }
  return counts;
}

describe('counts after many mixed operations', () => {
  const herald = useHerald();
  const inbox = new InboxClient(() => herald.app);

  it('stay exact after 1,000 mixed operations: REST, the last counts frame and a direct SQL count agree with the model', async () => {
    const user = unique('mixed');
    const socket = await herald.connect(user);
    const next = random(13);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
    const categories = ['comments', 'billing', 'general'];
    const model = new Map<string, Model>();
    const muted = new Set(['billing']);
    await inbox.mute(user, 'billing');

    for (let op = 0; op < 1_000; op++) {
      const ids = [...model.keys()];
      const id = ids.length > 0 ? pick(ids) : undefined;
      const roll = next();
      if (id === undefined || roll < 0.25) {
        const category = pick(categories);
        const [created] = await inbox.notify([user], { category });
        model.set(created, { category, read: false, seen: false, archived: false });
      } else if (roll < 0.4) {
        await inbox.act(user, `/notifications/${id}/read`).expect(204);
        Object.assign(model.get(id)!, { read: true, seen: true });
      } else if (roll < 0.5) {
        await inbox.act(user, `/notifications/${id}/unread`).expect(204);
        model.get(id)!.read = false;
      } else if (roll < 0.62) {
        const some = ids.filter(() => next() < 0.2).slice(0, 100);
        if (some.length === 0) continue;
        await inbox.act(user, '/notifications/seen', { ids: some }).expect(204);
        for (const seen of some) model.get(seen)!.seen = true;
      } else if (roll < 0.72) {
        await inbox.act(user, `/notifications/${id}/archive`).expect(204);
        model.get(id)!.archived = true;
      } else if (roll < 0.8) {
        await inbox.act(user, `/notifications/${id}/unarchive`).expect(204);
        model.get(id)!.archived = false;
      } else if (roll < 0.9) {
        await inbox.act(user, `/notifications/${id}`, undefined, 'delete').expect(204);
        model.delete(id);
      } else if (roll < 0.95) {
        await inbox.act(user, '/notifications/archive-read').expect(204);
        for (const n of model.values()) if (n.read) n.archived = true;
      } else if (roll < 0.98) {
        await inbox.act(user, '/notifications/seen', { all: true }).expect(204);
        for (const n of model.values()) n.seen = true;
      } else {
        const category = pick(categories);
        const mute = !muted.has(category);
        await inbox.mute(user, category, mute);
        if (mute) muted.add(category);
        else muted.delete(category);
      }
    }

    const want = expected(model, muted);
    expect(await inbox.counts(user)).toEqual(want);
    const rows = await inbox
      .database()
      .query<Array<{ category: string; unread: string | number; unseen: string | number }>>(
        'SELECT category, COUNT(*) AS unread, SUM(CASE WHEN seen_at IS NULL THEN 1 ELSE 0 END) AS unseen FROM notifications WHERE recipient = ? AND read_at IS NULL AND archived_at IS NULL GROUP BY category',
        [user],
      );
    expect(Object.fromEntries(rows.map((row) => [row.category, { unread: Number(row.unread), unseen: Number(row.unseen) }]))).toEqual(want.byCategory);
    await expectEventually(() => expect(socket.all('counts').at(-1)).toEqual(want), 5_000);
  }, 300_000);

  it('add live notifications to a socket’s counts without a read: muted and critical ones cost no counts query, and the last frame is exact, broadcasts included', async () => {
    const user = unique('live-add');
    const socket = await herald.connect(user);
    // Muting after the socket is open, so its preference frame cannot come late: the read it causes is the socket's first counts.
    await inbox.mute(user, 'promo');
    await expectEventually(() => expect(socket.all('counts')).toHaveLength(1));
    await inbox.notify([user]);
    await expectEventually(async () => expect(socket.all('counts').at(-1)).toEqual(await inbox.counts(user)));
    const queries = async () => (await scrapeMetrics(herald.app.baseUrl)).value('herald_counts_queries_total');
    const before = await queries();

    const bodies = [{}, { category: 'promo' }, { category: 'promo', severity: 'critical' }, { category: 'billing', severity: 'high' }];
    for (let i = 0; i < 12; i++) await inbox.notify([user], bodies[i % bodies.length]);
    const want = await inbox.counts(user);
    expect(want.byCategory).toMatchObject({ general: { unread: 4 }, promo: { unread: 6 }, billing: { unread: 3 } });
    await expectEventually(() => expect(socket.all('counts').at(-1)).toEqual(want));
    expect(await queries()).toBe(before);

    // Broadcasts travel on another channel than the user's notifications, so a targeted frame may wait for the
    // broadcast it follows and fill the gap from the database (which reads the counts too): only exactness is asserted.
    for (const body of bodies) {
      await inbox.broadcast(body);
      await inbox.notify([user], body);
    }
    const after = await inbox.counts(user);
    await expectEventually(() => expect(socket.all('counts').at(-1)).toEqual(after));
  });

  it('read the counts again when a muted notification collapses an older one, so the replaced one is not counted twice', async () => {
    const user = unique('muted-collapse');
    await inbox.mute(user, 'invoices');
    const socket = await herald.connect(user);
    await inbox.notify([user], { category: 'invoices', collapseKey: 'invoice' });
    await expectEventually(async () => expect(socket.all('counts').at(-1)).toEqual(await inbox.counts(user)));
    const framesBefore = socket.all('counts').length;
    await inbox.notify([user], { category: 'invoices', collapseKey: 'invoice' });
    const want = await inbox.counts(user);
    expect(want.byCategory.invoices).toEqual({ unread: 1, unseen: 1 });
    // The frame the collapse caused, not the one before it.
    await expectEventually(() => expect(socket.all('counts').length).toBeGreaterThan(framesBefore));
    await expectEventually(() => expect(socket.all('counts').at(-1)).toEqual(want));
  });
});
