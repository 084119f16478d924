import { eventLine, notificationLine, roomMessageLine, sanitize, stamp } from './terminal-format';

const STAMP = String.raw`\[\d\d:\d\d:\d\d\]`;

describe('terminal lines', () => {
  it('stamps with local HH:MM:SS of createdAt', () => {
    const at = new Date(2026, 0, 2, 9, 5, 7);
    expect(stamp(at.toISOString())).toBe('[09:05:07]');
    expect(stamp('not a date', at)).toBe('[09:05:07]');
  });

  it('prints a notification with its id, type, actor and payload', () => {
    const line = notificationLine({ id: '42', type: 'invoice.paid', actor: 'billing', payload: { invoice: 'INV-7' }, createdAt: '2026-01-01T12:00:01Z' });
    expect(line).toMatch(new RegExp(`^${STAMP} notification #42 invoice\\.paid from billing \\{"invoice":"INV-7"\\}$`));
    expect(notificationLine({ id: '1', type: 't', actor: null, payload: {} })).toMatch(/ notification #1 t$/);
  });

  it('prints the inbox fields of a notification: severity, category, title, body, url, actions and what it replaces', () => {
    const line = notificationLine({
      id: '43',
      type: 'ci.failed',
      actor: null,
      payload: {},
      title: 'Deploy failed',
      body: 'Build 42 broke',
      url: 'https://ci.example.com/42',
      category: 'ci',
      severity: 'critical',
      actions: [
        { id: 'retry', label: 'Retry', url: '/retry' },
        { id: 'ack', label: 'Ack' },
      ],
      replaces: '41',
    });
    expect(line.slice('[00:00:00] '.length)).toBe(
      'notification #43 ci.failed [critical] [ci] "Deploy failed" Build 42 broke <https://ci.example.com/42> [Retry -> /retry] [Ack] (replaces #41)',
    );
  });

  it('prints a room message as room <sender> text', () => {
    expect(roomMessageLine({ id: '3', room: 'lobby', sender: 'alice', text: 'hello', createdAt: '2026-01-01T12:00:01Z' })).toMatch(
      new RegExp(`^${STAMP} lobby <alice> hello$`),
    );
  });

  it.each([
    ['room.presence', { room: 'lobby', user: 'bob', state: 'left' }, 'lobby: bob left'],
    ['error', { code: 'not_joined', message: 'join first' }, 'error not_joined: join first'],
    ['notification.read', { ids: ['1', '2'] }, 'marked read (on another device): #1, #2'],
    ['notification.read', { all: true }, 'all notifications marked read (on another device)'],
    ['resumed', { since: '40', count: 2 }, 'resumed after #40: 2 missed notifications replayed'],
    ['resumed', { since: '40', count: 0 }, 'resumed after #40: nothing missed'],
    ['resync', { since: '40', limit: 1000 }, 'older notifications were skipped: more than 1000 arrived after #40; page GET /notifications to see them'],
    ['notification.state', { ids: ['1', '2'], read: true, seen: true }, '#1, #2: read, seen'],
    ['notification.state', { all: true, archived: false }, 'all notifications: unarchived'],
    ['notification.deleted', { ids: ['7'] }, 'removed: #7'],
    [
      'counts',
      { unread: 3, unseen: 2, byCategory: { comments: { unread: 2, unseen: 1 }, billing: { unread: 1, unseen: 1 } } },
      'counts: 3 unread, 2 unseen (billing 1/1, comments 2/1)',
    ],
    ['something.new', { a: 1 }, 'something.new {"a":1}'],
  ])('prints %s as one line', (event, data, text) => {
    const line = eventLine(event, data);
    expect(line).toMatch(new RegExp(`^${STAMP} `));
    expect(line.slice('[00:00:00] '.length)).toBe(text);
  });

  it('shows control characters as escapes so text cannot drive the terminal', () => {
    expect(sanitize('a\u001b[2Jb\nc\u009bd\u202ee')).toBe('a\\u001b[2Jb\\nc\\u009bd\\u202ee');
    // eslint-disable-next-line no-control-regex -- the test looks for control characters
    expect(roomMessageLine({ room: 'r', sender: 'm\u001b]0;x\u0007', text: 'hi' })).not.toMatch(/[\u0000-\u001f]/);
  });
});
