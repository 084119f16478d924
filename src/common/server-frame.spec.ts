import {
  countsKeyOf,
  COUNTS_CHANGED_FRAME,
  countsEffectOf,
  encodeFrame,
  mutedOut,
  PLAIN_INBOX_FIELDS,
  PREFERENCES_CHANGED_FRAME,
  ServerEvent,
} from './server-frame';

describe('countsEffectOf', () => {
  const frame = (text: string) => Buffer.from(text);

  it('takes the internal counts-changed frame as a refresh that is not sent on', () => {
    expect(countsEffectOf(frame(COUNTS_CHANGED_FRAME))).toBe('internal');
    expect(countsEffectOf(frame(PREFERENCES_CHANGED_FRAME))).toBe('preferences');
  });

  it('mutes a notification frame by its category unless it is critical', () => {
    const view = { id: '1', type: 't', actor: null, payload: {}, createdAt: new Date(0).toISOString(), readAt: null, ...PLAIN_INBOX_FIELDS };
    const promo = frame(encodeFrame(ServerEvent.Notification, { ...view, category: 'promo' }));
    const critical = frame(encodeFrame(ServerEvent.Notification, { ...view, category: 'promo', severity: 'critical' }));
    expect(mutedOut(promo, new Set(['promo']))).toBe(true);
    expect(mutedOut(promo, new Set(['other']))).toBe(false);
    expect(mutedOut(critical, new Set(['promo']))).toBe(false);
  });

  it('refreshes counts after every notification event', () => {
    const view = { id: '1', type: 't', actor: null, payload: {}, createdAt: new Date(0).toISOString(), readAt: null, ...PLAIN_INBOX_FIELDS };
    for (const text of [
      encodeFrame(ServerEvent.Notification, view),
      encodeFrame(ServerEvent.NotificationRead, { all: true }),
      encodeFrame(ServerEvent.NotificationState, { ids: ['1'], seen: true }),
      encodeFrame(ServerEvent.NotificationDeleted, { ids: ['1'] }),
    ]) {
      expect(countsEffectOf(frame(text))).toBe('changed');
    }
  });

  it('leaves counts alone for other events, including counts itself', () => {
    for (const text of [
      encodeFrame(ServerEvent.Counts, { unread: 0, unseen: 0, byCategory: {} }),
      encodeFrame(ServerEvent.RoomMessage, { id: '7', room: 'notification', sender: 'a', text: 'x', createdAt: new Date(0).toISOString() }),
      encodeFrame(ServerEvent.Ready, { user: 'notification' }),
    ]) {
      expect(countsEffectOf(frame(text))).toBeNull();
    }
  });
});

describe('countsKeyOf', () => {
  const frame = (id: string, data: Record<string, unknown>) => Buffer.from(JSON.stringify({ event: 'notification', data: { id, ...data } }));

  it('reads each frame’s own fields, also when consecutive frames differ only in what follows the id', () => {
    expect(countsKeyOf(frame('1', { category: 'billing', severity: 'critical', expiresAt: null }))).toEqual({
      category: 'billing',
      critical: true,
      expiresAt: null,
      replaces: false,
    });
    expect(countsKeyOf(frame('2', { category: 'billing', severity: 'critical', expiresAt: null }))).toMatchObject({ category: 'billing', critical: true });
    expect(countsKeyOf(frame('3', { category: 'billing', severity: 'normal', expiresAt: '2026-12-02T00:00:00.000Z', replaces: '1' }))).toEqual({
      category: 'billing',
      critical: false,
      expiresAt: Date.parse('2026-12-02T00:00:00.000Z'),
      replaces: true,
    });
    expect(countsKeyOf(frame('4', {}))).toEqual({ category: 'general', critical: false, expiresAt: null, replaces: false });
  });
});
