import fc from 'fast-check';
import { countsKeyOf, encodeFrame, isSilentNotification, notificationIdOf, PLAIN_INBOX_FIELDS, ServerEvent } from '../common/server-frame';
import { MAX_RECORD_ID } from '../common/record-id';
import { NotificationFrames } from './notification-frames';
import { Notification } from './notification.entity';

const row = fc.record({
  id: fc.bigInt({ min: 1n, max: MAX_RECORD_ID }).map(String),
  recipient: fc.option(fc.string({ maxLength: 128 })),
  type: fc.string({ minLength: 1, maxLength: 128 }),
  actor: fc.option(fc.string({ maxLength: 128 })),
  payload: fc.dictionary(fc.string(), fc.jsonValue()).map((value) => JSON.stringify(value)),
  createdAt: fc.date({ min: new Date(0), max: new Date(8.64e15), noInvalidDate: true }),
  readAt: fc.option(fc.date({ min: new Date(0), max: new Date(8.64e15), noInvalidDate: true })),
});

type Row = typeof row extends fc.Arbitrary<infer T> ? T : never;

const asNotification = (value: Row): Notification => Object.assign(new Notification(), value);

/** One stored row as the frames see it, at `now`. */
const now = Date.parse('2026-12-02T00:00:00Z');
const base = {
  id: '9',
  recipient: 'alice',
  type: 't',
  actor: null,
  payload: '{}',
  createdAt: new Date(0),
  readAt: null,
  muted: false,
  category: 'promo',
  severity: 'normal',
};

describe('NotificationFrames and notificationIdOf', () => {
  it('reads back the id of every notification frame the relay encodes', () => {
    fc.assert(
      fc.property(fc.array(row, { minLength: 1, maxLength: 5 }), (rows) => {
        const frames = new NotificationFrames();
        for (const value of rows) expect(notificationIdOf(Buffer.from(frames.encode(asNotification(value))))).toBe(value.id);
      }),
    );
  });

  it('encodes the same frame as encodeFrame, with a template shared by rows that differ only in id and recipient', () => {
    fc.assert(
      fc.property(row, fc.array(fc.bigInt({ min: 1n, max: MAX_RECORD_ID }).map(String), { maxLength: 3 }), (value, ids) => {
        const frames = new NotificationFrames();
        for (const id of [value.id, ...ids]) {
          const notification = asNotification({ ...value, id });
          const expected = encodeFrame(ServerEvent.Notification, {
            id,
            type: value.type,
            actor: value.actor,
            payload: JSON.parse(value.payload) as Record<string, unknown>,
            createdAt: value.createdAt.toISOString(),
            readAt: value.readAt?.toISOString() ?? null,
            ...PLAIN_INBOX_FIELDS,
          });
          expect(frames.encode(notification)).toBe(expected);
        }
      }),
    );
  });

  it('finds no notification id in frames of other events, including a notification-like payload', () => {
    const frames = [
      encodeFrame(ServerEvent.Ready, { user: '{"event":"notification","data":{"id":"1"' }),
      encodeFrame(ServerEvent.NotificationRead, { ids: ['5'] }),
      encodeFrame(ServerEvent.RoomMessage, { id: '7', room: 'lobby', sender: 'a', text: 'x', createdAt: new Date(0).toISOString() }),
      encodeFrame(ServerEvent.Resumed, { since: '1', count: 0 }),
    ];
    for (const frame of frames) expect(notificationIdOf(Buffer.from(frame))).toBeNull();
  });

  it('gives a stream a silent frame for a row that is muted or expired but not yet purged, and the full frame otherwise', () => {
    const frames = new NotificationFrames();
    const expired = Object.assign(new Notification(), { ...base, expiresAt: new Date(now) });
    const muted = Object.assign(new Notification(), { ...base, expiresAt: null, muted: true });
    const live = Object.assign(new Notification(), { ...base, expiresAt: new Date(now + 1) });
    expect(isSilentNotification(Buffer.from(frames.encodeForStream(expired, now)))).toBe(true);
    expect(isSilentNotification(Buffer.from(frames.encodeForStream(muted, now)))).toBe(true);
    expect(frames.encodeForStream(live, now)).toBe(frames.encode(live));
    expect(isSilentNotification(Buffer.from(frames.encode(live)))).toBe(false);
  });

  it('gives a silent frame the id first and what the counts need: the category, and whether it expired', () => {
    const frames = new NotificationFrames();
    const expired = Buffer.from(frames.encodeForStream(Object.assign(new Notification(), { ...base, expiresAt: new Date(now), muted: false }), now));
    const muted = Buffer.from(frames.encodeForStream(Object.assign(new Notification(), { ...base, expiresAt: null, muted: true }), now));
    expect(notificationIdOf(muted)).toBe('9');
    expect(countsKeyOf(muted)).toEqual({ category: 'promo', critical: false, expiresAt: null, replaces: false });
    expect(countsKeyOf(expired)).toMatchObject({ category: 'promo', expiresAt: 0 });
    // A muted collapse: the socket must read its counts, since the older one it replaced counted too.
    const collapsed = Buffer.from(
      frames.encodeForStream(Object.assign(new Notification(), { ...base, id: '10', expiresAt: null, muted: true, replacesId: '7' }), now),
    );
    expect(isSilentNotification(collapsed)).toBe(true);
    expect(notificationIdOf(collapsed)).toBe('10');
    expect(countsKeyOf(collapsed)).toMatchObject({ category: 'promo', replaces: true });
  });
});
