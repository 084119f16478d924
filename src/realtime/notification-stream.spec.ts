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

/** A stream with a recording sink. */
function stream(highWater = new HighWaterMark(), maxHeldBytes = 1024) {
  const redelivered: string[] = [];
  let overflowed = 0;
  const subject: NotificationStream = new NotificationStream(
    {
      redeliver: (frame) => {
        const id = frame.toString();
        if (subject.admit(id, frame)) redelivered.push(id);
      },
      overflow: () => overflowed++,
    },
    highWater,
    maxHeldBytes,
  );
  return { subject, redelivered, overflowed: () => overflowed };
}

const frame = (id: string) => Buffer.from(id);

describe('NotificationStream', () => {
  it('discards live frames until the socket is ready', () => {
    const { subject } = stream();
    expect(subject.admit('1', frame('1'))).toBe(false);
    subject.ready();
    expect(subject.admit('2', frame('2'))).toBe(true);
  });

  it('sends each id once and never one older than the newest sent', () => {
    const { subject } = stream();
    subject.ready();
    expect(['5', '5', '4', '6'].map((id) => subject.admit(id, frame(id)))).toEqual([true, false, false, true]);
  });

  it('raises the instance high-water mark as it sends', () => {
    const highWater = new HighWaterMark();
    const { subject } = stream(highWater);
    subject.ready();
    subject.admit('42', frame('42'));
    expect(highWater.id).toBe('42');
  });

  it('holds live frames during a replay and sends those the replay did not cover after it, in order', async () => {
    const { subject, redelivered } = stream();
    subject.ready();
    await subject.replay(async () => {
      expect(subject.admit('3', frame('3'))).toBe(false);
      expect(subject.admit('4', frame('4'))).toBe(false);
      expect(subject.admitReplayed('2')).toBe(true);
      expect(subject.admitReplayed('3')).toBe(true);
    });
    expect(redelivered).toEqual(['4']);
    expect(subject.current).toBe('live');
  });

  it('never sends ids at or below an acknowledged resume cursor', async () => {
    const { subject } = stream();
    await subject.replay(async () => subject.acknowledge('10'));
    expect(subject.admit('9', frame('9'))).toBe(false);
    expect(subject.admit('11', frame('11'))).toBe(true);
  });

  it('on an interruption, drops live frames and keeps the newest id sent as the catch-up cursor', () => {
    const { subject } = stream();
    subject.ready();
    subject.admit('7', frame('7'));
    subject.interrupt();
    expect(subject.admit('8', frame('8'))).toBe(false);
    expect(subject.takeCatchUpCursor()).toBe('7');
    expect(subject.takeCatchUpCursor()).toBeNull();
  });

  it('catches up a socket that was never sent a notification from the high-water mark it connected at', () => {
    const highWater = new HighWaterMark();
    highWater.raise('100');
    const { subject } = stream(highWater);
    subject.ready();
    subject.interrupt();
    expect(subject.takeCatchUpCursor()).toBe('100');
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
    const { subject } = stream();
    subject.ready();
    subject.admit('3', frame('3'));
    subject.interrupt();
    subject.acknowledge('9');
    subject.interrupt();
    expect(subject.takeCatchUpCursor()).toBe('3');
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
    const { subject, overflowed } = stream(new HighWaterMark(), 4);
    await subject.replay(async () => {
      subject.admit('111', frame('111'));
      subject.admit('222', frame('222'));
    });
    expect(overflowed()).toBe(1);
  });
});
