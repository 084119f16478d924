import { PassThrough } from 'node:stream';
import { TerminalClient, TerminalClientOptions } from '../../src/cli/terminal-client';
import { createTestApp } from '../support/create-test-app';
import { expectEventually } from '../support/expect-eventually';
import { TcpProxy } from '../support/tcp-proxy';
import { TEST_JWT_SECRET, unique } from '../support/test-env';
import { serviceToken, token, userToken } from '../support/tokens';
import { useHerald } from '../support/use-herald';
import { within } from '../support/within';
import { TestClient } from '../support/ws-client';

jest.setTimeout(20_000);

/** A `TerminalClient` on in-memory stdin/stdout, as `npm run client` wires it to the process. */
interface Terminal {
  client: TerminalClient;
  /** Resolves with the exit code. */
  exit: Promise<number>;
  type(line: string): void;
  /** Everything printed so far. */
  printed(): string;
  /** Waits until the output matches. */
  sees(pattern: RegExp): Promise<void>;
}

/** The terminal client against a real Herald (MySQL, Redis), driven through its streams. */
describe('terminal client (npm run client)', () => {
  const herald = useHerald();
  const terminals: Terminal[] = [];

  const start = (options: Partial<TerminalClientOptions>): Terminal => {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.setEncoding('utf8').on('data', (chunk: string) => (printed += chunk));
    const client = new TerminalClient({ url: herald.app.wsUrl, input, output, backoff: { initialMs: 50, maxMs: 200 }, ...options });
    const terminal: Terminal = {
      client,
      exit: client.run(),
      type: (line) => input.write(`${line}\n`),
      printed: () => printed,
      sees: (pattern) => expectEventually(() => expect(printed).toMatch(pattern)),
    };
    terminals.push(terminal);
    return terminal;
  };
  const notify = (recipient: string, type: string, payload: object = {}) =>
    herald.app
      .http()
      .post('/notifications')
      .set('authorization', `Bearer ${serviceToken()}`)
      .send({ recipients: [recipient], type, actor: 'billing', payload })
      .expect(201);
  const joinRoom = async (client: TestClient, room: string) => {
    client.send({ event: 'room.join', data: { room } });
    return client.next('room.joined', (data) => data.room === room);
  };

  afterEach(async () => {
    for (const terminal of terminals.splice(0)) {
      terminal.client.stop();
      await within(terminal.exit, 5_000, 'the terminal client exit');
    }
  });

  it('prints the ready event as a connected line', async () => {
    const alice = unique('alice');
    const terminal = start({ token: userToken(alice) });
    await terminal.sees(new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\] connected as ${alice}$`, 'm'));
  });

  it('prints a notification POSTed over REST as one readable line', async () => {
    const alice = unique('alice');
    const terminal = start({ token: userToken(alice) });
    await terminal.sees(/connected as/);

    const [id] = (await notify(alice, 'invoice.paid', { invoice: 'INV-7' })).body.ids as string[];

    await terminal.sees(new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\] notification #${id} invoice\\.paid from billing \\{"invoice":"INV-7"\\}$`, 'm'));
  });

  it('prints raw frames, one JSON object per line, with --json', async () => {
    const alice = unique('alice');
    const status = new PassThrough().setEncoding('utf8');
    let statusText = '';
    status.on('data', (chunk: string) => (statusText += chunk));
    const terminal = start({ token: userToken(alice), json: true, status });
    await expectEventually(() => expect(statusText).toMatch(/connected as/));

    const [id] = (await notify(alice, 'invoice.paid', { invoice: 'INV-7' })).body.ids as string[];

    await terminal.sees(/"notification"/);
    const frames = terminal
      .printed()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(frames[0]).toEqual({ event: 'ready', data: { user: alice } });
    expect(frames[1]).toMatchObject({ event: 'notification', data: { id, type: 'invoice.paid', payload: { invoice: 'INV-7' } } });
  });

  it('joins --room, prints its history and members, and sends typed lines as room.send', async () => {
    const room = unique('lobby');
    const [alice, bob] = [unique('alice'), unique('bob')];
    await herald.app
      .http()
      .post(`/rooms/${room}/messages`)
      .set('authorization', `Bearer ${serviceToken('announcer')}`)
      .send({ text: 'earlier' })
      .expect(201);
    const bobSocket = await herald.connect(bob);
    await joinRoom(bobSocket, room);
    const terminal = start({ token: userToken(alice), room });

    await terminal.sees(new RegExp(`${room} <announcer> earlier\\n.*joined ${room}: 2 members: ${[alice, bob].sort().join(', ')}`));
    terminal.type('hello bob');

    expect(await bobSocket.next('room.message', (m) => m.text === 'hello bob')).toMatchObject({ room, sender: alice });
    expect(terminal.printed()).not.toContain(`${room}: ${alice} joined`);
  });

  it('prints room messages and presence from other members', async () => {
    const room = unique('lobby');
    const [alice, bob] = [unique('alice'), unique('bob')];
    const terminal = start({ token: userToken(alice), room });
    await terminal.sees(new RegExp(`joined ${room}`));

    const bobSocket = await herald.connect(bob);
    await joinRoom(bobSocket, room);
    bobSocket.send({ event: 'room.send', data: { room, text: 'hi alice' } });
    await terminal.sees(new RegExp(`${room}: ${bob} joined\\n.*${room} <${bob}> hi alice$`, 'm'));
    await bobSocket.close();

    await terminal.sees(new RegExp(`${room}: ${bob} left`));
  });

  it('leaves the room on /leave, then only hints at typed lines, and exits 0 on /quit', async () => {
    const room = unique('lobby');
    const [alice, bob] = [unique('alice'), unique('bob')];
    const bobSocket = await herald.connect(bob);
    await joinRoom(bobSocket, room);
    const terminal = start({ token: userToken(alice), room });
    await terminal.sees(new RegExp(`joined ${room}`));

    terminal.type('/leave');
    expect(await bobSocket.next('room.presence', (p) => p.user === alice && p.state === 'left')).toMatchObject({ room });
    terminal.type('while out');
    await terminal.sees(/not in a room, nothing sent/);
    terminal.type(`/join ${room}`);
    await expectEventually(() => expect(terminal.printed().match(new RegExp(`joined ${room}`, 'g'))).toHaveLength(2));
    terminal.type('back again');
    await bobSocket.next('room.message', (m) => m.text === 'back again');
    terminal.type('/quit');

    expect(await within(terminal.exit, 5_000, 'exit after /quit')).toBe(0);
    expect(bobSocket.all('room.message').map((m) => m.text)).toEqual(['back again']);
    await expectEventually(() =>
      expect(
        bobSocket
          .all('room.presence')
          .filter((p) => p.user === alice)
          .map((p) => p.state),
      ).toEqual(['joined', 'left', 'joined', 'left']),
    );
  });

  it('refuses a bad room name and an over-long line locally, sending nothing', async () => {
    const room = unique('lobby');
    const [alice, bob] = [unique('alice'), unique('bob')];
    const bobSocket = await herald.connect(bob);
    await joinRoom(bobSocket, room);
    const terminal = start({ token: userToken(alice), room });
    await terminal.sees(new RegExp(`joined ${room}`));

    terminal.type('/join bad/room');
    terminal.type('x'.repeat(4_001));
    terminal.type('y'.repeat(4_000));

    await terminal.sees(/invalid room name "bad\/room": use 1-64 of A-Z a-z 0-9 _ \. -; nothing sent/);
    await terminal.sees(/line not sent: 4001 characters, the limit is 4000/);
    expect((await bobSocket.next('room.message')).text).toBe('y'.repeat(4_000));
    await terminal.sees(new RegExp(`${room} <${alice}> y{4000}`));
    expect(bobSocket.all('room.message')).toHaveLength(1);
    expect(terminal.printed()).not.toMatch(/ error /);
  });

  it('hints instead of sending when no room was joined', async () => {
    const terminal = start({ token: userToken(unique('alice')) });
    await terminal.sees(/connected as/);

    terminal.type('anyone there?');

    await terminal.sees(/not in a room, nothing sent: \/join <room> first/);
  });

  it('sends lines piped in before the room was joined, in order, then exits 0 when input ends', async () => {
    const room = unique('lobby');
    const bobSocket = await herald.connect(unique('bob'));
    await joinRoom(bobSocket, room);
    const input = new PassThrough();
    const terminal = start({ token: userToken(unique('alice')), room, input });

    const lines = ['one', 'two', 'three', 'four', 'five'];
    input.end(lines.map((line) => `${line}\n`).join(''));

    expect(await within(terminal.exit, 10_000, 'exit at input end')).toBe(0);
    await expectEventually(() => expect(bobSocket.all('room.message').map((m) => m.text)).toEqual(lines));
  });

  it('exits 1 without retrying when the upgrade is refused with 401', async () => {
    const terminal = start({ token: token({ sub: unique('alice'), secret: `${TEST_JWT_SECRET}-other` }) });

    expect(await within(terminal.exit, 5_000, 'exit after 401')).toBe(1);
    expect(terminal.printed()).toMatch(/the server refused the token \(HTTP 401\)/);
    expect(terminal.printed()).not.toMatch(/reconnecting/);
  });

  it('still reports a refused token and exits 1 when its input has already ended', async () => {
    const input = new PassThrough();
    input.end();
    const terminal = start({ token: token({ sub: unique('alice'), secret: `${TEST_JWT_SECRET}-other` }), input });

    expect(await within(terminal.exit, 5_000, 'exit after 401')).toBe(1);
    expect(terminal.printed()).toMatch(/HTTP 401/);
  });

  it('exits 0 at input end once connected, when nothing waits to be sent', async () => {
    const input = new PassThrough();
    input.end();
    const terminal = start({ token: userToken(unique('alice')), input });

    expect(await within(terminal.exit, 5_000, 'exit at input end')).toBe(0);
    expect(terminal.printed()).toMatch(/connected as/);
  });

  it('exits 1 without retrying when the token expires (close 4401)', async () => {
    const terminal = start({ token: token({ sub: unique('alice'), ttl: 2 }) });
    await terminal.sees(/connected as/);

    expect(await within(terminal.exit, 10_000, 'exit after 4401')).toBe(1);
    expect(terminal.printed()).toMatch(/the token expired \(close 4401\)/);
    expect(terminal.printed()).not.toMatch(/reconnecting/);
  });

  describe('token expiry', () => {
    it('says when a given token ends the session, since it cannot renew it', async () => {
      const terminal = start({ token: userToken(unique('alice')) });
      await terminal.sees(/^\[\d\d:\d\d:\d\d\] session expires in (59 min|1 h)$/m);
    });

    it('on auth.expiring, says a given token cannot be renewed, then exits 1 at the 4401 close', async () => {
      const terminal = start({ token: token({ sub: unique('alice'), ttl: 3 }) });
      await terminal.sees(/session expires in \d s: this token cannot be renewed here; start again with a fresh one/);
      expect(await within(terminal.exit, 10_000, 'exit after 4401')).toBe(1);
      expect(terminal.printed()).toMatch(/the token expired \(close 4401\)/);
    });

    it('with --dev-user, mints a new token on every auth.expiring and stays connected past the first exp', async () => {
      const alice = unique('alice');
      const started = Date.now();
      const terminal = start({ devToken: { sub: alice, roles: [], ttlSeconds: 3 } });
      await terminal.sees(new RegExp(`connected as ${alice}$`, 'm'));
      // Each token lives 3 s and is renewed 1 s before its exp: by the second renewal the first token is over.
      await expectEventually(() => expect(terminal.printed().match(/token renewed; session expires in \d s/g)?.length).toBeGreaterThanOrEqual(2), 15_000);
      expect(Date.now() - started).toBeGreaterThan(3_000);

      const [id] = (await notify(alice, 'after.renewal')).body.ids as string[];
      await terminal.sees(new RegExp(`notification #${id} after\\.renewal`));
      expect(terminal.printed()).not.toMatch(/4401|reconnecting/);
    });

    it('with --dev-user, exits 1 when the server does not serve dev tokens', async () => {
      const closed = await createTestApp({ AUTH_DEV_TOKENS: 'false' });
      try {
        const terminal = start({ url: closed.wsUrl, devToken: { sub: unique('alice'), roles: [], ttlSeconds: 60 } });
        expect(await within(terminal.exit, 5_000, 'exit without dev tokens')).toBe(1);
        expect(terminal.printed()).toMatch(/could not get a dev token: the server does not serve dev tokens/);
      } finally {
        await closed.close();
      }
    });
  });

  describe('behind a connection that breaks', () => {
    let proxy: TcpProxy;

    beforeEach(async () => {
      proxy = await TcpProxy.start(herald.app.baseUrl);
    });
    afterEach(async () => {
      await proxy.close();
    });

    it('reconnects after a drop with ?since=<last notification id>, rejoins its room and keeps printing', async () => {
      const room = unique('lobby');
      const alice = unique('alice');
      const terminal = start({ token: userToken(alice), room, url: proxy.wsUrl });
      await terminal.sees(new RegExp(`joined ${room}`));
      const [first] = (await notify(alice, 'before.drop')).body.ids as string[];
      await terminal.sees(new RegExp(`notification #${first} before\\.drop`));

      proxy.drop();

      await terminal.sees(/disconnected \(1006\); reconnecting in \d+ ms/);
      await expectEventually(() => expect(terminal.printed().match(new RegExp(`joined ${room}`, 'g'))).toHaveLength(2));
      expect(proxy.requestLines).toEqual(['GET /ws HTTP/1.1', `GET /ws?since=${first} HTTP/1.1`]);
      const [second] = (await notify(alice, 'after.drop')).body.ids as string[];
      await terminal.sees(new RegExp(`notification #${second} after\\.drop`));
      terminal.type('still here');
      await terminal.sees(new RegExp(`${room} <${alice}> still here`));
    });

    it('gets the notifications posted while it was disconnected, replayed after the last id it saw', async () => {
      const alice = unique('alice');
      const terminal = start({ token: userToken(alice), url: proxy.wsUrl });
      await terminal.sees(/connected as/);
      const [seen] = (await notify(alice, 'seen')).body.ids as string[];
      await terminal.sees(new RegExp(`notification #${seen} seen`));

      proxy.refuse = true;
      proxy.drop();
      await terminal.sees(/cannot connect .*; reconnecting in/);
      const [missed] = (await notify(alice, 'while.away')).body.ids as string[];
      proxy.refuse = false;

      await terminal.sees(new RegExp(`notification #${missed} while\\.away.*\\n.*resumed after #${seen}: 1 missed notification replayed`));
      expect(terminal.printed().match(/notification #\d+/g)).toEqual([`notification #${seen}`, `notification #${missed}`]);
    });

    it('sends --since on the first connection', async () => {
      const terminal = start({ token: userToken(unique('alice')), url: proxy.wsUrl, since: '12345' });
      await terminal.sees(/connected as/);
      expect(proxy.requestLines).toEqual(['GET /ws?since=12345 HTTP/1.1']);
    });

    it('prints a notification delivered twice only once', async () => {
      const alice = unique('alice');
      proxy.duplicateFrames = /"event":"notification"/;
      const terminal = start({ token: userToken(alice), url: proxy.wsUrl });
      const witness = await TestClient.connect(proxy.wsUrl, { token: userToken(alice) });
      await terminal.sees(/connected as/);

      const [first] = (await notify(alice, 'once')).body.ids as string[];
      const [second] = (await notify(alice, 'twice.sent')).body.ids as string[];

      await terminal.sees(new RegExp(`notification #${second} twice\\.sent`));
      expect(terminal.printed().match(/notification #\d+/g)).toEqual([`notification #${first}`, `notification #${second}`]);
      // The link really did deliver each one twice.
      await expectEventually(() => expect(witness.all('notification').map((n) => n.id)).toEqual([first, first, second, second]));
      await witness.close();
    });
  });
});
