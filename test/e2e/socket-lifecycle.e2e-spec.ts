import { decode, JwtPayload } from 'jsonwebtoken';
import { TestApp } from '../support/create-test-app';
import { unique } from '../support/test-env';
import { serviceToken, token } from '../support/tokens';
import { useHerald } from '../support/use-herald';
import { within } from '../support/within';

jest.setTimeout(15_000);

const notify = (herald: TestApp, recipient: string) =>
  herald
    .http()
    .post('/notifications')
    .set('authorization', `Bearer ${serviceToken()}`)
    .send({ recipients: [recipient], type: 'lifecycle.check' });

describe('socket lifecycle: token expiry', () => {
  const herald = useHerald();

  it('closes a socket with 4401 once its token expires, and not before', async () => {
    const alice = unique('alice');
    const shortLived = token({ sub: alice, ttl: 2 });
    const expiresAtMs = ((decode(shortLived) as JwtPayload).exp as number) * 1000;
    const client = await herald.connect(alice, { token: shortLived });

    const { code } = await within(client.closed, 10_000, 'the 4401 close');
    expect(code).toBe(4401);
    // Timers may fire a few ms early; a close well before exp would be a bug.
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAtMs - 50);
  });

  it('keeps a socket whose token is still valid open while another one expires', async () => {
    const alice = unique('alice');
    const bob = unique('bob');
    const expiring = await herald.connect(alice, { token: token({ sub: alice, ttl: 2 }) });
    const lasting = await herald.connect(bob);

    expect((await within(expiring.closed, 10_000, 'the 4401 close')).code).toBe(4401);
    const [id] = (await notify(herald.app, bob).expect(201)).body.ids as string[];
    await lasting.next('notification', (n) => n.id === id);
  });
});

describe('socket lifecycle: heartbeat', () => {
  const herald = useHerald({ WS_HEARTBEAT_MS: '1000' });

  it('terminates a socket that stops answering pings while a responsive one stays open', async () => {
    const alive = unique('alive');
    const dead = await herald.connect(unique('dead'), { autoPong: false });
    const live = await herald.connect(alive);

    // 1006: the server dropped the connection without a closing handshake (terminate).
    expect((await within(dead.closed, 8_000, 'the heartbeat termination')).code).toBe(1006);

    const [id] = (await notify(herald.app, alive).expect(201)).body.ids as string[];
    expect(await live.next('notification', (n) => n.id === id)).toMatchObject({ id, type: 'lifecycle.check' });
  });
});

describe('socket lifecycle: shutdown', () => {
  // The test closes the app itself; the fixture's close after it is then a no-op.
  const herald = useHerald({}, { perTest: true });

  it('closes every open socket with 1001 when the app shuts down', async () => {
    const sockets = await Promise.all([unique('a'), unique('b')].map((sub) => herald.connect(sub)));

    await within(herald.app.close(), 10_000, 'app shutdown');

    for (const socket of sockets) {
      const { code } = await within(socket.closed, 5_000, 'the 1001 close');
      expect(code).toBe(1001);
    }
  });
});
