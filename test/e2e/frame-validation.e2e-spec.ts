import WebSocket from 'ws';
import { useHerald } from '../support/use-herald';
import { unique } from '../support/test-env';
import { serviceToken } from '../support/tokens';
import { within } from '../support/within';
import { TestClient } from '../support/ws-client';

/** The frame size limit: 64 KiB. */
const LIMIT = 64 * 1024;

/** A JSON text frame `{"event": event, "data": "xxx…"}` of exactly `bytes` bytes. */
function frameOfSize(event: string, bytes: number): string {
  const empty = JSON.stringify({ event, data: '' });
  return JSON.stringify({ event, data: 'x'.repeat(bytes - Buffer.byteLength(empty)) });
}

describe('client frame validation on /ws', () => {
  const fixture = useHerald();
  const connect = (sub: string) => fixture.connect(sub);
  const notify = async (recipient: string): Promise<string> => {
    const response = await fixture.app
      .http()
      .post('/notifications')
      .set('authorization', `Bearer ${serviceToken()}`)
      .send({ recipients: [recipient], type: 'frame.check' })
      .expect(201);
    return (response.body.ids as string[])[0];
  };
  /** Proves the socket is open and still subscribed: a notification posted now reaches it. */
  const expectStillDelivering = async (client: TestClient, sub: string) => {
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
    const id = await notify(sub);
    expect(await client.next('notification', (n) => n.id === id)).toMatchObject({ id, type: 'frame.check' });
  };

  it.each<[string, string, string | Buffer]>([
    ['text that is not JSON', 'invalid_json', 'hello, server'],
    ['truncated JSON', 'invalid_json', '{"event":"room.join","data":'],
    ['a JSON array', 'invalid_frame', '[{"event":"room.join","data":{}}]'],
    ['a JSON string', 'invalid_frame', '"room.join"'],
    ['JSON null', 'invalid_frame', 'null'],
    ['an object without event', 'invalid_frame', '{"data":{"room":"lobby"}}'],
    ['an event that is not a string', 'invalid_frame', '{"event":42,"data":{}}'],
    ['an empty event name', 'invalid_frame', '{"event":"","data":{}}'],
    ['a binary frame', 'invalid_frame', Buffer.from('{"event":"room.join","data":{"room":"lobby"}}')],
    ['an unknown event name', 'unknown_event', '{"event":"no.such.event","data":{}}'],
  ])('answers %s with an error frame coded %s and keeps the socket open and delivering', async (_case, code, frame) => {
    const sub = unique('alice');
    const client = await connect(sub);
    client.socket.send(frame, { binary: Buffer.isBuffer(frame) });

    expect(await client.next('error')).toEqual({ code, message: expect.any(String) });
    await expectStillDelivering(client, sub);
  });

  it('answers every one of several bad frames in a row and keeps delivering', async () => {
    const sub = unique('alice');
    const client = await connect(sub);
    for (const frame of ['nope', '[]', '{"event":"no.such.event"}']) client.send(frame);

    await client.next('error', (e) => e.code === 'unknown_event');
    expect(client.all('error').map((e) => e.code)).toEqual(['invalid_json', 'invalid_frame', 'unknown_event']);
    await expectStillDelivering(client, sub);
  });

  it('closes the socket with 1009 when a frame is one byte over 64 KiB', async () => {
    const client = await connect(unique('alice'));
    const frame = frameOfSize('no.such.event', LIMIT + 1);
    expect(Buffer.byteLength(frame)).toBe(LIMIT + 1);
    client.send(frame);

    const { code } = await within(client.closed, 5_000, 'the 1009 close');
    expect(code).toBe(1009);
  });

  it('reads a frame of exactly 64 KiB and keeps the socket open', async () => {
    const sub = unique('alice');
    const client = await connect(sub);
    const frame = frameOfSize('no.such.event', LIMIT);
    expect(Buffer.byteLength(frame)).toBe(LIMIT);
    client.send(frame);

    // The unknown_event answer proves the server read and parsed the whole frame.
    expect(await client.next('error')).toMatchObject({ code: 'unknown_event' });
    await expectStillDelivering(client, sub);
  });

  it("does not let one client's bad frames affect another client's delivery", async () => {
    const [mallory, bob] = [unique('mallory'), unique('bob')];
    const [bad, good] = await Promise.all([connect(mallory), connect(bob)]);

    for (const frame of ['nope', '[]', '{"event":"no.such.event"}']) bad.send(frame);
    await bad.next('error', (e) => e.code === 'unknown_event');
    bad.send(frameOfSize('no.such.event', LIMIT + 1));
    expect((await within(bad.closed, 5_000, 'the 1009 close')).code).toBe(1009);

    await expectStillDelivering(good, bob);
    expect(good.all('error')).toEqual([]);
  });
});
