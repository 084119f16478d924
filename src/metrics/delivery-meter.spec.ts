import { encodeFrame, ServerEvent } from '../common/server-frame';
import { NotificationFrames } from '../notifications/notification-frames';
import { Notification } from '../notifications/notification.entity';
import { BatchedDeliveryMeter, storedAtOf } from './delivery-meter';

const STORED_AT = Date.parse('2026-03-01T12:00:00.000Z');

/** A `notification` frame as the relay publishes it, with a payload of the caller's. */
function frame(payload: Record<string, unknown> = {}, createdAt = STORED_AT, id = '7'): Buffer {
  const row = Object.assign(new Notification(), {
    id,
    recipient: 'alice',
    type: 'comment.created',
    actor: null,
    payload: JSON.stringify(payload),
    createdAt: new Date(createdAt),
    readAt: null,
  });
  return Buffer.from(new NotificationFrames().encode(row));
}

describe('storedAtOf', () => {
  it('reads the createdAt of a notification frame', () => {
    expect(storedAtOf(frame())).toBe(STORED_AT);
  });

  it("reads the notification's own createdAt when the payload carries one", () => {
    expect(storedAtOf(frame({ createdAt: '1999-01-01T00:00:00.000Z', nested: { createdAt: '1998-01-01T00:00:00.000Z' } }))).toBe(STORED_AT);
  });

  it('is not fooled by the key inside a payload string', () => {
    expect(storedAtOf(frame({ text: '"createdAt":"1999-01-01T00:00:00.000Z"' }))).toBe(STORED_AT);
  });

  it('answers null for a frame without one', () => {
    expect(storedAtOf(Buffer.from(encodeFrame(ServerEvent.NotificationRead, { all: true })))).toBeNull();
  });
});

describe('BatchedDeliveryMeter', () => {
  function meter(now = STORED_AT + 250) {
    const observed: number[] = [];
    return {
      observed,
      meter: new BatchedDeliveryMeter(
        (seconds) => observed.push(seconds),
        () => now,
      ),
    };
  }

  it('counts every socket write and hands the count over once', () => {
    const { meter: deliveries } = meter();
    const shared = frame();
    for (let i = 0; i < 3; i++) deliveries.delivered(shared);
    deliveries.delivered(frame({}, STORED_AT, '8'));
    expect(deliveries.take()).toBe(4);
    expect(deliveries.take()).toBe(0);
  });

  it('observes the latency once per frame, however many sockets it fans out to', () => {
    const { meter: deliveries, observed } = meter();
    const first = frame();
    const second = frame({}, STORED_AT + 100, '8');
    for (const f of [first, first, first, second, second]) deliveries.delivered(f);
    expect(observed).toEqual([0.25, 0.15]);
  });

  it('observes zero, not a negative latency, when the storing clock ran ahead', () => {
    const { meter: deliveries, observed } = meter(STORED_AT - 1_000);
    deliveries.delivered(frame());
    expect(observed).toEqual([0]);
  });
});
