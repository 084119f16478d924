import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ClientEvent, ClientFrame, CloseCode, ErrorCode, FrameError, isFrameError, parseClientFrame, ServerEvent } from './protocol';

const text = (value: string): Buffer => Buffer.from(value, 'utf8');
const json = (value: unknown): Buffer => text(JSON.stringify(value));

function expectFrame(result: ClientFrame | FrameError): ClientFrame {
  if (isFrameError(result)) throw new Error(`expected a frame, got ${JSON.stringify(result)}`);
  return result;
}

function expectErrorCode(result: ClientFrame | FrameError, code: string): void {
  expect(isFrameError(result) ? result.code : result).toBe(code);
}

describe('parseClientFrame', () => {
  it('parses a text frame {event, data}', () => {
    expect(parseClientFrame(json({ event: 'room.join', data: { room: 'lobby' } }), false)).toEqual({
      event: 'room.join',
      data: { room: 'lobby' },
    });
  });

  it('returns undefined data when the frame has no data', () => {
    const frame = expectFrame(parseClientFrame(json({ event: 'ping' }), false));
    expect(frame.event).toBe('ping');
    expect(frame.data).toBeUndefined();
  });

  it.each([null, 0, 'text', false, [1, 'two'], { nested: { deep: [null] } }])('accepts %j as data', (data) => {
    expect(expectFrame(parseClientFrame(json({ event: 'x', data }), false)).data).toEqual(data);
  });

  it('accepts an event name of 64 characters', () => {
    expect(expectFrame(parseClientFrame(json({ event: 'e'.repeat(64) }), false)).event).toBe('e'.repeat(64));
  });

  it('parses an ArrayBuffer', () => {
    const bytes = json({ event: 'room.leave', data: { room: 'a' } });
    const arrayBuffer = new ArrayBuffer(bytes.byteLength);
    new Uint8Array(arrayBuffer).set(bytes);
    expect(parseClientFrame(arrayBuffer, false)).toEqual({ event: 'room.leave', data: { room: 'a' } });
  });

  it('concatenates Buffer[] fragments before decoding, even inside a multi-byte character', () => {
    const bytes = json({ event: 'room.send', data: { room: 'a', text: 'héllo €' } });
    const euro = bytes.indexOf(Buffer.from('€')) + 1;
    const fragments = [bytes.subarray(0, 5), bytes.subarray(5, euro), bytes.subarray(euro)];
    expect(parseClientFrame(fragments, false)).toEqual({ event: 'room.send', data: { room: 'a', text: 'héllo €' } });
  });

  it.each(['', '{', '{"event":"x",}', 'not json', "{'event':'x'}"])('reports invalid_json for %j', (raw) => {
    expectErrorCode(parseClientFrame(text(raw), false), ErrorCode.InvalidJson);
  });

  it.each([[[{ event: 'x' }]], [42], [null], ['a string'], [true]])('reports invalid_frame for the JSON value %j', (value) => {
    expectErrorCode(parseClientFrame(json(value), false), ErrorCode.InvalidFrame);
  });

  it.each([
    ['is missing', { data: 1 }],
    ['is a number', { event: 5 }],
    ['is null', { event: null }],
    ['is an object', { event: { name: 'x' } }],
    ['is empty', { event: '' }],
    ['has 65 characters', { event: 'e'.repeat(65) }],
  ])('reports invalid_frame when event %s', (_, frame) => {
    expectErrorCode(parseClientFrame(json(frame), false), ErrorCode.InvalidFrame);
  });

  it('reports invalid_frame for a binary frame, even one holding valid JSON', () => {
    expectErrorCode(parseClientFrame(json({ event: 'x', data: 1 }), true), ErrorCode.InvalidFrame);
  });

  it('gives every error a message', () => {
    const result = parseClientFrame(text('nope'), false);
    expect(isFrameError(result) && result.message.length > 0).toBe(true);
  });

  it('never throws for arbitrary bytes, and returns a frame or a known error', () => {
    const codes: string[] = Object.values(ErrorCode);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.boolean(), (bytes, isBinary) => {
        const result = parseClientFrame(Buffer.from(bytes), isBinary);
        if (isFrameError(result)) expect(codes).toContain(result.code);
        else expect(typeof result.event).toBe('string');
      }),
    );
  });

  it('never throws for arbitrary JSON values, and accepts exactly the objects with a valid event', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = parseClientFrame(json(value), false);
        const event: unknown = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as { event?: unknown }).event : undefined;
        const valid = typeof event === 'string' && event.length >= 1 && event.length <= 64;
        expect(isFrameError(result) ? result.code : 'frame').toBe(valid ? 'frame' : ErrorCode.InvalidFrame);
      }),
    );
  });

  it('returns the data of any well-formed frame unchanged', () => {
    const event = fc.string({ minLength: 1, maxLength: 64 });
    fc.assert(
      fc.property(event, fc.jsonValue(), (name, data) => {
        expect(parseClientFrame(json({ event: name, data }), false)).toEqual({ event: name, data: JSON.parse(JSON.stringify(data)) });
      }),
    );
  });
});

describe('CloseCode', () => {
  it('uses the RFC 6455 section 7.4.1 codes and 4401 for an expired token', () => {
    expect(CloseCode).toMatchObject({
      GoingAway: 1001,
      PolicyViolation: 1008,
      MessageTooBig: 1009,
      InternalError: 1011,
      TryAgainLater: 1013,
      TokenExpired: 4401,
    });
  });
});

describe('ErrorCode', () => {
  it('uses snake_case wire names', () => {
    for (const code of Object.values(ErrorCode)) expect(code).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });
});

/** The backticked names in the first column of the table under `heading` in docs/protocol.md. */
function documentedNames(heading: string): string[] {
  const doc = readFileSync(join(__dirname, '../../docs/protocol.md'), 'utf8');
  const lines = doc.slice(doc.indexOf(`${heading}\n`)).split('\n');
  const start = lines.findIndex((line) => line.startsWith('|'));
  const end = lines.findIndex((line, i) => i > start && !line.startsWith('|'));
  return lines.slice(start, end).flatMap((line) => /^\| `([^`]+)` \|/.exec(line)?.[1] ?? []);
}

describe('docs/protocol.md', () => {
  it('lists exactly the server events of ServerEvent', () => {
    expect(documentedNames('### Server to client').sort()).toEqual(Object.values(ServerEvent).sort());
  });

  it('lists exactly the client events of ClientEvent', () => {
    expect(documentedNames('### Client to server').sort()).toEqual(Object.values(ClientEvent).sort());
  });

  it('lists exactly the error codes of ErrorCode', () => {
    expect(documentedNames('## Error codes (`error` frames)').sort()).toEqual(Object.values(ErrorCode).sort());
  });
});
