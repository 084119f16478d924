import { encodeFrame, PLAIN_INBOX_FIELDS, ServerEvent } from '../common/server-frame';
import { decodeStreamFrame, encodeStreamFrame } from './stream-frame';

const json = encodeFrame(ServerEvent.Notification, {
  id: '42',
  type: 't',
  actor: null,
  payload: { text: '~b1~' },
  ...PLAIN_INBOX_FIELDS,
  createdAt: new Date(0).toISOString(),
  readAt: null,
});

describe('stream frames', () => {
  it('carries a targeted position and gives back the exact client frame', () => {
    const decoded = decodeStreamFrame(Buffer.from(encodeStreamFrame({ kind: 't', seq: 12, after: 3 }, json)));
    expect(decoded?.position).toEqual({ kind: 't', seq: 12, after: 3 });
    expect(decoded?.body.toString()).toBe(json);
  });

  it('carries a broadcast position', () => {
    const decoded = decodeStreamFrame(Buffer.from(encodeStreamFrame({ kind: 'b', seq: 7, after: 0 }, json)));
    expect(decoded?.position).toEqual({ kind: 'b', seq: 7, after: 0 });
    expect(decoded?.body.toString()).toBe(json);
  });

  it('leaves every other frame alone, whatever its payload holds', () => {
    expect(decodeStreamFrame(Buffer.from(json))).toBeNull();
    expect(decodeStreamFrame(Buffer.from(encodeFrame(ServerEvent.NotificationRead, { all: true })))).toBeNull();
  });

  it('hands every socket of one fan-out the same body view', () => {
    const carried = Buffer.from(encodeStreamFrame({ kind: 'b', seq: 1, after: 0 }, json));
    expect(decodeStreamFrame(carried)?.body).toBe(decodeStreamFrame(carried)?.body);
  });
});
