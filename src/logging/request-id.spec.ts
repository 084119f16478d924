import { IncomingMessage } from 'node:http';
import { requestIdOf } from './request-id';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function request(header?: string | string[]): IncomingMessage {
  return { headers: header === undefined ? {} : { 'x-request-id': header } } as unknown as IncomingMessage;
}

describe('requestIdOf', () => {
  it.each(['a', 'trace-7f3a:span/2', 'x'.repeat(128), '!~'])('uses the incoming X-Request-Id %j', (id) => {
    expect(requestIdOf(request(id))).toBe(id);
  });

  it.each([
    ['an empty one', ''],
    ['one of 129 characters', 'x'.repeat(129)],
    ['one with a space', 'a b'],
    ['one with a control character', 'a\tb'],
    ['one with a non-ASCII character', 'caf\u00e9'],
    ['a repeated header', ['a', 'b']],
    ['none', undefined],
  ])('generates a UUID for %s', (_, header) => {
    expect(requestIdOf(request(header))).toMatch(UUID);
  });

  it('keeps the id it chose for later calls on the same request', () => {
    const message = request();
    expect(requestIdOf(message)).toBe(requestIdOf(message));
  });
});
