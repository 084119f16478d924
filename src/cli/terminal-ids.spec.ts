import { NotificationCursor, RecentIds } from './terminal-ids';

describe('RecentIds', () => {
  it('reports a repeated id as a duplicate', () => {
    const ids = new RecentIds();
    expect(ids.add('7')).toBe(true);
    expect(ids.add('7')).toBe(false);
  });

  it('forgets the oldest id once capacity newer ones arrived', () => {
    const ids = new RecentIds(3);
    ['1', '2', '3', '4'].forEach((id) => ids.add(id));
    expect(ids.add('2')).toBe(false);
    expect(ids.add('1')).toBe(true);
  });
});

describe('NotificationCursor', () => {
  it('keeps the highest id seen, starting from since, whatever the arrival order', () => {
    const cursor = new NotificationCursor('9');
    expect(cursor.last).toBe('9');
    cursor.accept('12');
    cursor.accept('10');
    expect(cursor.last).toBe('12');
  });

  it('refuses a duplicate and leaves the cursor alone', () => {
    const cursor = new NotificationCursor();
    expect(cursor.last).toBeUndefined();
    expect(cursor.accept('5')).toBe(true);
    expect(cursor.accept('5')).toBe(false);
    expect(cursor.last).toBe('5');
  });
});
