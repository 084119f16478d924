import { inboxContent, InboxInput } from './inbox-content';
import { InboxWrites } from './inbox-writes';
import { NotificationContent } from './notification.store';

const content = (input: InboxInput): NotificationContent => ({ type: 't', actor: null, payload: '{}', createdAt: new Date(0), ...inboxContent(input) });

describe('InboxWrites.foldableMuteCategory', () => {
  const writes = new InboxWrites();

  it('lets the stream lock statement read the mute of a single recipient', () => {
    expect(writes.foldableMuteCategory(['alice'], content({ category: 'promo' }))).toBe('promo');
    expect(writes.foldableMuteCategory(['alice'], content({}))).toBe('general');
  });

  it('leaves batches to the lookup after the stream locks', () => {
    expect(writes.foldableMuteCategory(['alice', 'bob'], content({ category: 'promo' }))).toBeUndefined();
  });

  it('reads no mute for a critical notification', () => {
    expect(writes.foldableMuteCategory(['alice'], content({ category: 'promo', severity: 'critical' }))).toBeUndefined();
  });

  it('keeps the lookup after the stream lock when a collapse key must read that snapshot', () => {
    expect(writes.foldableMuteCategory(['alice'], content({ category: 'promo', collapseKey: 'post-1' }))).toBeUndefined();
  });
});
