import { expectEventually } from '../../test/support/expect-eventually';
import { countsKeyOf, NotificationCounts } from '../common/server-frame';
import { HeraldMetrics } from '../metrics/herald-metrics';
import { CountsService } from '../notifications/counts.service';
import { CountsSnapshot } from '../notifications/inbox-feed.store';
import { StreamPosition } from '../notifications/stream-frame';
import { Connection } from './connection';
import { addNotification, COUNTS_CONCURRENCY, COUNTS_INTERVAL_MS, COUNTS_RIDE_ALONG_MS, LiveCounts } from './live-counts';

/** Metrics are not what these tests look at: LiveCounts' own stats() is. */
const unobserved = { observeCountsQueries: () => undefined } as unknown as HeraldMetrics;

/** The database side: each read waits until the test answers it with the counts (and stream positions) at that moment. */
class ControlledCounts {
  readonly reads: Array<{ userId: string; answer: (unread: number, positions?: { targeted: number; broadcast: number }) => void }> = [];
  private readonly asked: Array<() => void> = [];

  snapshot(userId: string): Promise<CountsSnapshot> {
    return new Promise((resolve) => {
      this.reads.push({
        userId,
        answer: (unread, positions = { targeted: 0, broadcast: 0 }) =>
          resolve({ counts: { unread, unseen: unread, byCategory: {} }, muted: new Set(['promo']), positions }),
      });
      this.asked.splice(0).forEach((wake) => wake());
    });
  }

  /** Resolves once `n` reads have been asked for. */
  async readsAsked(n: number): Promise<void> {
    while (this.reads.length < n) await new Promise<void>((resolve) => this.asked.push(resolve));
  }
}

/** A live `notification` frame as a socket receives it (its stream prefix already stripped). */
function notificationFrame(id: string, fields: { category?: string; severity?: string; expiresAt?: string | null; replaces?: string } = {}): Buffer {
  return Buffer.from(JSON.stringify({ event: 'notification', data: { id, category: 'general', severity: 'normal', expiresAt: null, ...fields } }));
}

const targeted = (seq: number): StreamPosition => ({ kind: 't', seq, after: 0 });

/** A socket of `userId` that records its `counts` frames. */
function socketOf(userId: string): Connection & { frames: NotificationCounts[]; nextFrame: () => Promise<NotificationCounts> } {
  const frames: NotificationCounts[] = [];
  const waiting: Array<(counts: NotificationCounts) => void> = [];
  return {
    principal: { sub: userId },
    frames,
    send(frame: string) {
      const counts = (JSON.parse(frame) as { data: NotificationCounts }).data;
      frames.push(counts);
      waiting.shift()?.(counts);
    },
    nextFrame: () => new Promise<NotificationCounts>((resolve) => waiting.push(resolve)),
  } as unknown as Connection & { frames: NotificationCounts[]; nextFrame: () => Promise<NotificationCounts> };
}

describe('LiveCounts', () => {
  it('reads a user’s counts once for all of its sockets that ask together, and sends each the same counts', async () => {
    const database = new ControlledCounts();
    const live = new LiveCounts(database as unknown as CountsService, unobserved);
    const sockets = [socketOf('alice'), socketOf('alice'), socketOf('alice')];
    const frames = sockets.map((socket) => socket.nextFrame());

    for (const socket of sockets) live.schedule(socket);
    await database.readsAsked(1);
    database.reads[0].answer(3);

    expect(await Promise.all(frames)).toEqual(sockets.map(() => ({ unread: 3, unseen: 3, byCategory: {} })));
    expect(database.reads).toHaveLength(1);
  });

  it('never joins a read that already started, so a later change is in the counts', async () => {
    const database = new ControlledCounts();
    const live = new LiveCounts(database as unknown as CountsService, unobserved);
    const [first, second] = [socketOf('bob'), socketOf('bob')];
    const firstFrame = first.nextFrame();
    live.schedule(first);
    await database.readsAsked(1);

    // A change after the first read began: the second socket must not get its (older) answer.
    const secondFrame = second.nextFrame();
    live.schedule(second);
    await database.readsAsked(2);
    database.reads[0].answer(1);
    database.reads[1].answer(2);

    expect(await firstFrame).toMatchObject({ unread: 1 });
    expect(await secondFrame).toMatchObject({ unread: 2 });
  });

  it('runs at most COUNTS_CONCURRENCY reads at once across users, and the rest once a turn is free', async () => {
    const database = new ControlledCounts();
    const live = new LiveCounts(database as unknown as CountsService, unobserved);
    const sockets = Array.from({ length: COUNTS_CONCURRENCY + 4 }, (_, i) => socketOf(`user-${i}`));
    const frames = sockets.map((socket) => socket.nextFrame());

    for (const socket of sockets) live.schedule(socket);
    await expectEventually(() => expect(live.stats()).toMatchObject({ running: COUNTS_CONCURRENCY, waiting: 4 }));
    expect(database.reads).toHaveLength(COUNTS_CONCURRENCY);

    for (let answered = 0; answered < sockets.length; answered++) {
      await database.readsAsked(answered + 1);
      database.reads[answered].answer(answered);
    }
    await Promise.all(frames);
    expect(live.stats()).toMatchObject({ running: 0, waiting: 0, peak: COUNTS_CONCURRENCY, started: sockets.length, delayed: 4 });
  });

  it('adds a live notification numbered right after the read to the counts without another read', async () => {
    const database = new ControlledCounts();
    const live = new LiveCounts(database as unknown as CountsService, unobserved);
    const socket = socketOf('carol');
    const first = socket.nextFrame();
    live.schedule(socket);
    await database.readsAsked(1);
    database.reads[0].answer(2, { targeted: 5, broadcast: 9 });
    expect(await first).toEqual({ unread: 2, unseen: 2, byCategory: {} });

    const second = socket.nextFrame();
    live.added(socket, targeted(5), notificationFrame('5'));
    live.added(socket, targeted(6), notificationFrame('6', { category: 'billing' }));
    live.added(socket, { kind: 'b', seq: 10, after: 0 }, notificationFrame('7', { category: 'promo' }));
    expect(await second).toEqual({ unread: 3, unseen: 3, byCategory: { billing: { unread: 1, unseen: 1 }, promo: { unread: 1, unseen: 1 } } });
    expect(database.reads).toHaveLength(1);
  });

  it('reads again when a number was skipped, and applies what arrived during the read past its positions', async () => {
    const database = new ControlledCounts();
    const live = new LiveCounts(database as unknown as CountsService, unobserved);
    const socket = socketOf('dave');
    const first = socket.nextFrame();
    live.schedule(socket);
    await database.readsAsked(1);
    database.reads[0].answer(0, { targeted: 1, broadcast: 0 });
    await first;

    // Number 3 without 2: only the database knows what 2 was.
    const second = socket.nextFrame();
    live.added(socket, targeted(3), notificationFrame('3'));
    await database.readsAsked(2);
    // While that read runs, 4 and 5 arrive; the read saw up to 4.
    live.added(socket, targeted(4), notificationFrame('4'));
    live.added(socket, targeted(5), notificationFrame('5'));
    database.reads[1].answer(3, { targeted: 4, broadcast: 0 });
    expect(await second).toMatchObject({ unread: 4, unseen: 4 });
    expect(database.reads).toHaveLength(2);
  });
});

describe('addNotification', () => {
  const base = (): CountsSnapshot => ({
    counts: { unread: 1, unseen: 0, byCategory: { general: { unread: 1, unseen: 0 } } },
    muted: new Set(['promo']),
    positions: { targeted: 4, broadcast: 2 },
  });
  const key = (fields: Parameters<typeof notificationFrame>[1] = {}) => countsKeyOf(notificationFrame(`${Math.random()}`, fields));
  const now = Date.parse('2026-12-02T00:00:00Z');

  it('counts a new notification as unread and unseen, in its category and at the top level', () => {
    const counts = base();
    expect(addNotification(counts, targeted(5), key(), now)).toBe('added');
    expect(counts.counts).toEqual({ unread: 2, unseen: 1, byCategory: { general: { unread: 2, unseen: 1 } } });
    expect(counts.positions).toEqual({ targeted: 5, broadcast: 2 });
  });

  it('leaves a muted category out of the top level unless the notification is critical', () => {
    const counts = base();
    addNotification(counts, targeted(5), key({ category: 'promo' }), now);
    expect(counts.counts).toMatchObject({ unread: 1, unseen: 0, byCategory: { promo: { unread: 1, unseen: 1 } } });
    addNotification(counts, { kind: 'b', seq: 3, after: 0 }, key({ category: 'promo', severity: 'critical' }), now);
    expect(counts.counts).toMatchObject({ unread: 2, unseen: 1, byCategory: { promo: { unread: 2, unseen: 2 } } });
  });

  it('counts an already expired notification nowhere but takes its number', () => {
    const counts = base();
    expect(addNotification(counts, targeted(5), key({ expiresAt: '2026-12-01T23:59:59Z' }), now)).toBe('added');
    expect(counts.counts).toEqual(base().counts);
    expect(counts.positions.targeted).toBe(5);
  });

  it('knows a number the read covered, and leaves skipped numbers and collapses to a read', () => {
    const counts = base();
    expect(addNotification(counts, targeted(4), key(), now)).toBe('included');
    expect(addNotification(counts, targeted(6), key(), now)).toBe('unknown');
    expect(addNotification(counts, targeted(5), key({ replaces: '3' }), now)).toBe('unknown');
    expect(counts).toEqual(base());
  });
});

describe('LiveCounts, on the clock', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  it('holds counts that need no read past their window for the next notification to ride along with, and sends them on their own 100 ms later', async () => {
    const database = new ControlledCounts();
    const live = new LiveCounts(database as unknown as CountsService, unobserved);
    const socket = socketOf('erin');
    const first = socket.nextFrame();
    live.schedule(socket);
    jest.advanceTimersByTime(0);
    await database.readsAsked(1);
    database.reads[0].answer(0, { targeted: 1, broadcast: 0 });
    await first;

    // Inside the window: held.
    live.added(socket, targeted(2), notificationFrame('2'));
    jest.advanceTimersByTime(COUNTS_INTERVAL_MS + 50);
    expect(socket.frames).toHaveLength(1);
    // The next notification after the window takes them along at once, with itself counted.
    live.added(socket, targeted(3), notificationFrame('3'));
    expect(socket.frames.at(-1)).toMatchObject({ unread: 2 });
    expect(socket.frames).toHaveLength(2);

    // With nothing to ride along with, they go on their own once the wait is over.
    live.added(socket, targeted(4), notificationFrame('4'));
    jest.advanceTimersByTime(COUNTS_INTERVAL_MS - 1);
    expect(socket.frames).toHaveLength(2);
    jest.advanceTimersByTime(COUNTS_RIDE_ALONG_MS + 1);
    expect(socket.frames.at(-1)).toMatchObject({ unread: 3 });
    expect(database.reads).toHaveLength(1);
  });
});
