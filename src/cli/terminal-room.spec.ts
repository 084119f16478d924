import { TerminalRoom } from './terminal-room';

function room(name?: string) {
  const sent: Array<{ event: string; data: any }> = [];
  const told: string[] = [];
  let idle = 0;
  const subject = new TerminalRoom(name, {
    send: (event, data) => sent.push({ event, data }),
    info: (text) => told.push(text),
    changed: () => undefined,
    idle: () => idle++,
  });
  return { subject, sent, told, idle: () => idle };
}

describe('TerminalRoom', () => {
  it('joins its room on every ready', () => {
    const { subject, sent } = room('lobby');
    subject.connected();
    subject.dropped();
    subject.connected();
    expect(sent).toEqual([
      { event: 'room.join', data: { room: 'lobby' } },
      { event: 'room.join', data: { room: 'lobby' } },
    ]);
  });

  it('holds typed lines until room.joined, then sends one at a time, each after the echo of the previous', () => {
    const { subject, sent, idle } = room('lobby');
    subject.connected();
    subject.say('one');
    subject.say('two');
    expect(sent.filter((f) => f.event === 'room.send')).toEqual([]);

    subject.onJoined('lobby');
    expect(sent.filter((f) => f.event === 'room.send').map((f) => f.data.text)).toEqual(['one']);
    subject.onMessage({ room: 'lobby', sender: 'bob', text: 'one' }, 'alice');
    expect(sent.filter((f) => f.event === 'room.send')).toHaveLength(1);
    subject.onMessage({ room: 'lobby', sender: 'alice', text: 'one' }, 'alice');
    expect(sent.filter((f) => f.event === 'room.send').map((f) => f.data)).toEqual([
      { room: 'lobby', text: 'one' },
      { room: 'lobby', text: 'two' },
    ]);
    expect(subject.waiting).toBe(1);
    subject.onError();
    expect(subject.waiting).toBe(0);
    expect(idle()).toBeGreaterThan(0);
  });

  it('refuses a bad room name and over-long text without sending', () => {
    const { subject, sent, told } = room('lobby');
    subject.connected();
    subject.onJoined('lobby');
    subject.join('no spaces');
    subject.say('x'.repeat(4_001));
    expect(sent).toEqual([{ event: 'room.join', data: { room: 'lobby' } }]);
    expect(subject.name).toBe('lobby');
    expect(told).toEqual([expect.stringMatching(/^invalid room name/), 'line not sent: 4001 characters, the limit is 4000']);
  });

  it('leaves the old room when joining another, dropping what waited for it', () => {
    const { subject, sent, told } = room('lobby');
    subject.connected();
    subject.say('for lobby');
    subject.join('ops');
    expect(sent).toEqual([
      { event: 'room.join', data: { room: 'lobby' } },
      { event: 'room.leave', data: { room: 'lobby' } },
      { event: 'room.join', data: { room: 'ops' } },
    ]);
    expect(told).toContain('1 queued line(s) for lobby dropped');
    expect(subject.waiting).toBe(0);
  });
});
