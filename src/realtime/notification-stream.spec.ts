import { expectEventually } from '../../test/support/expect-eventually';
import type { StreamPosition } from '../notifications/stream-frame';
import { HighWaterMark } from './high-water-mark';
import { nextMode, NotificationStream, StreamEvent, StreamMode } from './notification-stream';

describe('nextMode', () => {
  const cases: Array<[StreamMode, StreamEvent, boolean, StreamMode]> = [
    ['discard', 'ready', false, 'live'],
    ['discard', 'ready', true, 'discard'],
    ['hold', 'ready', false, 'hold'],
    ['live', 'ready', false, 'live'],
    ['live', 'interrupted', true, 'discard'],
    ['hold', 'interrupted', true, 'hold'],
    ['discard', 'interrupted', true, 'discard'],
    ['discard', 'replay-started', false, 'hold'],
    ['live', 'replay-started', true, 'hold'],
    ['hold', 'replay-ended', false, 'live'],
    ['hold', 'replay-ended', true, 'discard'],
  ];
  it.each(cases)('goes from %s on %s (catch-up pending: %s) to %s', (mode, event, pending, expected) => {
    expect(nextMode(mode, event, pending)).toBe(expected);
  });
});

/** A notification as the stream sees it: its id and stream position; the frame bytes say the same, for redelivery. */
interface Item {
  id: string;
  frame: Buffer;
  position: StreamPosition;
}
const targeted = (id: string, seq: number, after = 0): Item => ({ id, frame: Buffer.from(`t ${id} ${seq} ${after}`), position: { kind: 't', seq, after } });
const broadcast = (id: string, seq: number): Item => ({ id, frame: Buffer.from(`b ${id} ${seq} 0`), position: { kind: 'b', seq, after: 0 } });
const parse = (frame: Buffer): Item => {
  const [kind, id, seq, after] = frame.toString().split(' ');
  return kind === 't' ? targeted(id, Number(seq), Number(after)) : broadcast(id, Number(seq));
};

/** A stream with a recording sink: `sent` lists every id sent live, in order (admitted at once or redelivered). */
function stream(highWater = new HighWaterMark(), maxHeldBytes = 1024) {
  const sent: string[] = [];
  let overflowed = 0;
  let fills = 0;
  const offer = (item: Item): boolean => {
    if (!subject.admit(item.id, item.frame, item.position)) return false;
    sent.push(item.id);
    subject.delivered();
    return true;
  };
  const subject: NotificationStream = new NotificationStream(
    {
      redeliver: (frame) => void offer(parse(frame)),
      overflow: () => overflowed++,
      fill: () => fills++,
    },
    highWater,
    maxHeldBytes,
    // The gap timer never fires in these tests unless one waits for it.
    60_000,
  );
  return { subject, sent, offer, overflowed: () => overflowed, fills: () => fills };
}

describe('NotificationStream', () => {
  it('discards live frames until the socket is ready', () => {
    const { subject, offer } = stream();
    expect(offer(targeted('1', 1))).toBe(false);
    subject.ready();
    expect(offer(targeted('2', 2))).toBe(true);
  });

  it('sends each notification of a stream once and never one older than the newest sent', () => {
    const { subject, offer } = stream();
    subject.ready();
    expect([targeted('5', 1), targeted('5', 1), targeted('4', 1), targeted('6', 2)].map(offer)).toEqual([true, false, false, true]);
  });

  it('keeps the two streams apart: a broadcast with a smaller id than the newest targeted one is still new', () => {
    const { subject, offer } = stream();
    subject.ready();
    subject.startAt({ targeted: 0, broadcast: 0 });
    expect([broadcast('3', 1), targeted('5', 1), broadcast('3', 1)].map(offer)).toEqual([true, true, false]);
  });

  it('parks a frame that arrives ahead of an earlier one of its stream and sends both in order when the earlier one arrives', () => {
    const { subject, offer, sent } = stream();
    subject.ready();
    subject.startAt({ targeted: 4, broadcast: 0 });
    expect(offer(targeted('12', 6))).toBe(false);
    expect(offer(targeted('11', 5))).toBe(true);
    expect(sent).toEqual(['11', '12']);
  });

  it('holds a targeted frame until the broadcasts stored before it were sent', () => {
    const { subject, offer, sent } = stream();
    subject.ready();
    subject.startAt({ targeted: 0, broadcast: 2 });
    expect(offer(targeted('20', 1, 3))).toBe(false);
    expect(offer(broadcast('19', 3))).toBe(true);
    expect(sent).toEqual(['19', '20']);
  });

  it('asks for a fill from the database when the missing frame does not follow in time, and sends the parked one after it', async () => {
    const sent: string[] = [];
    let fills = 0;
    const subject: NotificationStream = new NotificationStream(
      {
        redeliver: (frame) => {
          const item = parse(frame);
          if (subject.admit(item.id, item.frame, item.position)) sent.push(item.id);
        },
        overflow: () => undefined,
        fill: () => fills++,
      },
      new HighWaterMark(),
      1024,
      1,
    );
    subject.ready();
    subject.startAt({ targeted: 1, broadcast: 0 });
    const parked = targeted('30', 3);
    expect(subject.admit(parked.id, parked.frame, parked.position)).toBe(false);
    await expectEventually(() => expect(fills).toBe(1), 1_000, 1);
    expect(subject.cursor()).toEqual({ targeted: '0', broadcast: '0' });
    await subject.replay(async () => {
      expect(subject.admitReplayed('29', { kind: 't', seq: 2, after: 0 })).toBe(true);
      subject.replayedUpTo({ targeted: 2, broadcast: 0 });
    });
    expect(sent).toEqual(['30']);
  });

  it('raises the instance high-water mark as it sends', () => {
    const highWater = new HighWaterMark();
    const { subject, offer } = stream(highWater);
    subject.ready();
    offer(targeted('42', 1));
    expect(highWater.id).toBe('42');
  });

  it('holds live frames during a replay and sends those the replay did not cover after it, in order', async () => {
    const { subject, offer, sent } = stream();
    subject.ready();
    await subject.replay(async () => {
      expect(offer(targeted('3', 2))).toBe(false);
      expect(offer(targeted('4', 3))).toBe(false);
      expect(subject.admitReplayed('2', { kind: 't', seq: 1, after: 0 })).toBe(true);
      expect(subject.admitReplayed('3', { kind: 't', seq: 2, after: 0 })).toBe(true);
      subject.replayedUpTo({ targeted: 2, broadcast: 0 });
    });
    expect(sent).toEqual(['4']);
    expect(subject.current).toBe('live');
  });

  it('never sends ids at or below an acknowledged resume cursor, in either stream', async () => {
    const { subject, offer } = stream();
    await subject.replay(async () => subject.acknowledge('10'));
    expect(offer(targeted('9', 3))).toBe(false);
    expect(offer(broadcast('8', 1))).toBe(false);
    expect(offer(targeted('11', 4))).toBe(true);
  });

  it('on an interruption, drops live frames and keeps the newest ids sent as the catch-up cursor', () => {
    const { subject, offer } = stream();
    subject.ready();
    offer(targeted('7', 1));
    subject.interrupt();
    expect(offer(targeted('8', 2))).toBe(false);
    expect(subject.takeCatchUpCursor()).toEqual({ targeted: '7', broadcast: '0' });
    expect(subject.takeCatchUpCursor()).toBeNull();
  });

  it('catches up a socket that was never sent a notification from the high-water mark it connected at', () => {
    const highWater = new HighWaterMark();
    highWater.raise('100');
    const { subject } = stream(highWater);
    subject.ready();
    subject.interrupt();
    expect(subject.takeCatchUpCursor()).toEqual({ targeted: '100', broadcast: '100' });
  });

  it('stays discarding after a replay that left an interruption pending, and goes live after the catch-up replay', async () => {
    const { subject } = stream();
    subject.ready();
    await subject.replay(async () => subject.interrupt());
    expect(subject.current).toBe('discard');
    await subject.replay(async () => {
      subject.takeCatchUpCursor();
    });
    expect(subject.current).toBe('live');
  });

  it('keeps the first interruption cursor when interrupted again before catching up', () => {
    const { subject, offer } = stream();
    subject.ready();
    offer(targeted('3', 1));
    subject.interrupt();
    subject.acknowledge('9');
    subject.interrupt();
    expect(subject.takeCatchUpCursor()).toEqual({ targeted: '3', broadcast: '0' });
  });

  it('runs replays one after another', async () => {
    const { subject } = stream();
    const order: string[] = [];
    let releaseFirst!: () => void;
    const firstRunning = new Promise<void>((running) => {
      void subject
        .replay(() => {
          running();
          return new Promise<void>((resolve) => (releaseFirst = resolve));
        })
        .then(() => order.push('first'));
    });
    const second = subject.replay(async () => {
      order.push('second starts');
    });
    await firstRunning;
    expect(order).toEqual([]);
    releaseFirst();
    await second;
    expect(order).toEqual(['first', 'second starts']);
  });

  it('ends a failed replay too, so live delivery resumes', async () => {
    const { subject } = stream();
    await expect(subject.replay(async () => Promise.reject(new Error('db down')))).rejects.toThrow('db down');
    expect(subject.current).toBe('live');
  });

  it('reports an overflow instead of holding more than its cap', async () => {
    const { subject, offer, overflowed } = stream(new HighWaterMark(), 12);
    await subject.replay(async () => {
      offer(targeted('111', 1));
      offer(targeted('222', 2));
    });
    expect(overflowed()).toBe(1);
  });
});
