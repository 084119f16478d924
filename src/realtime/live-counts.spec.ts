import { expectEventually } from '../../test/support/expect-eventually';
import { NotificationCounts } from '../common/server-frame';
import { HeraldMetrics } from '../metrics/herald-metrics';
import { CountsService } from '../notifications/counts.service';
import { Connection } from './connection';
import { COUNTS_CONCURRENCY, LiveCounts } from './live-counts';

/** Metrics are not what these tests look at: LiveCounts' own stats() is. */
const unobserved = { observeCountsQueries: () => undefined } as unknown as HeraldMetrics;

/** The database side: each read waits until the test answers it with the counts at that moment. */
class ControlledCounts {
  readonly reads: Array<{ userId: string; answer: (unread: number) => void }> = [];
  private readonly asked: Array<() => void> = [];

  counts(userId: string): Promise<NotificationCounts> {
    return new Promise((resolve) => {
      this.reads.push({ userId, answer: (unread) => resolve({ unread, unseen: unread, byCategory: {} }) });
      this.asked.splice(0).forEach((wake) => wake());
    });
  }

  /** Resolves once `n` reads have been asked for. */
  async readsAsked(n: number): Promise<void> {
    while (this.reads.length < n) await new Promise<void>((resolve) => this.asked.push(resolve));
  }
}

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
});
