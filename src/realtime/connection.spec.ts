import { encodeFrame, PLAIN_INBOX_FIELDS, ServerEvent, silentNotificationFrame } from '../common/server-frame';
import { encodeStreamFrame } from '../notifications/stream-frame';
import { Connection } from './connection';
import { HighWaterMark } from './high-water-mark';
import { closeSocketPair, openSocketPair, SocketPair } from '../../test/support/socket-pair';

const principal = { sub: 'alice', roles: [], expiresAt: Math.floor(Date.now() / 1000) + 3600, issuedAt: null };

describe('Connection.deliver', () => {
  let pair: SocketPair;

  beforeEach(async () => {
    pair = await openSocketPair();
  });

  afterEach(() => closeSocketPair(pair));

  it('delivers a burst larger than the send buffer cap in one tick to a socket that reads, without closing it', async () => {
    const cap = 256 * 1024;
    const connection = new Connection(pair.socket, principal, cap, new HighWaterMark(), pair.request.socket);
    connection.stream.ready();
    const frames = Array.from({ length: 100 }, (_, i) =>
      Buffer.from(
        encodeFrame(ServerEvent.Notification, {
          id: String(i + 1),
          type: 'burst',
          actor: null,
          payload: { text: 'x'.repeat(16 * 1024) },
          createdAt: new Date(0).toISOString(),
          readAt: null,
          ...PLAIN_INBOX_FIELDS,
        }),
      ),
    );
    const received: string[] = [];
    const all = new Promise<void>((resolve, reject) => {
      pair.client.on('message', (data) => {
        received.push((JSON.parse((data as Buffer).toString()) as { data: { id: string } }).data.id);
        if (received.length === frames.length) resolve();
      });
      pair.client.once('close', (code) => reject(new Error(`closed with ${code} after ${received.length} frames`)));
    });

    // 1.6 MiB in one synchronous burst, as the embedded broadcaster hands over a relay batch.
    for (const frame of frames) connection.deliver(frame);
    await all;
    expect(received).toEqual(frames.map((_, i) => String(i + 1)));
  });

  it('tells its delivery meter of each notification frame it writes, and of nothing it drops', () => {
    const written: Buffer[] = [];
    const connection = new Connection(pair.socket, principal, 1024 * 1024, new HighWaterMark(), pair.request.socket, {
      delivered: (frame) => written.push(frame),
    });
    const json = (id: string) =>
      encodeFrame(ServerEvent.Notification, {
        id,
        type: 't',
        actor: null,
        payload: {},
        createdAt: new Date(0).toISOString(),
        readAt: null,
        ...PLAIN_INBOX_FIELDS,
      });
    // As the broadcaster carries them: the stream position first (stream-frame.ts).
    const notification = (id: string, seq: number) => Buffer.from(encodeStreamFrame({ kind: 't', seq, after: 0 }, json(id)));
    const [first, second] = [notification('1', 1), notification('2', 2)];

    connection.deliver(first); // not live yet: discarded
    connection.stream.ready();
    connection.deliver(first);
    connection.deliver(first); // a repeat
    connection.deliver(Buffer.from(encodeFrame(ServerEvent.NotificationRead, { all: true })));
    connection.deliver(second);
    // What the client gets, and the meter reads, is the frame without the position.
    expect(written.map(String)).toEqual([json('1'), json('2')]);
  });

  it('takes a silent (muted) notification into its stream without sending it, adds it to the counts, and sends and adds the next one at once', () => {
    const written: Buffer[] = [];
    const connection = new Connection(pair.socket, principal, 1024 * 1024, new HighWaterMark(), pair.request.socket, {
      delivered: (frame) => written.push(frame),
    });
    const added: number[] = [];
    connection.notificationAdded = (position) => added.push(position.seq);
    const carried = (seq: number, frame: string) => Buffer.from(encodeStreamFrame({ kind: 't', seq, after: 0 }, frame));
    const loud = encodeFrame(ServerEvent.Notification, {
      id: '2',
      type: 't',
      actor: null,
      payload: {},
      createdAt: new Date(0).toISOString(),
      readAt: null,
      ...PLAIN_INBOX_FIELDS,
    });
    connection.stream.startAt({ targeted: 0, broadcast: 0 });
    connection.stream.ready();

    connection.deliver(carried(1, silentNotificationFrame('1', 'promo', false)));
    connection.deliver(carried(2, loud));

    // Sent at once: seq 2 follows seq 1, which the silent frame filled, so nothing was parked for a gap fill.
    expect(written.map(String)).toEqual([loud]);
    expect(added).toEqual([1, 2]);
  });
});
