import { IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import { LogLevel } from '../config/herald.config';
import { createRootLogger } from './root-logger';

/** A destination that keeps what pino writes. */
function capture(): { stream: Writable; lines: () => string[] } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, lines: () => text.split('\n').filter(Boolean) };
}

describe('createRootLogger', () => {
  it.each<[LogLevel, string]>([
    ['error', 'error'],
    ['warn', 'warn'],
    ['log', 'info'],
    ['debug', 'debug'],
    ['verbose', 'trace'],
  ])('maps LOG_LEVEL=%s to the pino level %s', (logLevel, pinoLevel) => {
    expect(createRootLogger({ logLevel, logFormat: 'json' }, capture().stream).level).toBe(pinoLevel);
  });

  it('writes nothing below LOG_LEVEL', () => {
    const { stream, lines } = capture();
    const logger = createRootLogger({ logLevel: 'warn', logFormat: 'json' }, stream);
    logger.info('request line');
    logger.warn('kept');
    expect(lines().map((line) => JSON.parse(line).msg)).toEqual(['kept']);
  });

  it('writes one JSON object per line with the level name and an ISO time', () => {
    const { stream, lines } = capture();
    createRootLogger({ logLevel: 'log', logFormat: 'json' }, stream).info({ reqId: 'r1' }, 'hello');
    expect(JSON.parse(lines()[0])).toMatchObject({
      level: 'info',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      reqId: 'r1',
      msg: 'hello',
    });
  });

  it('serializes any request it is given without its credentials', () => {
    const { stream, lines } = capture();
    const request = {
      method: 'GET',
      url: '/ws?access_token=eyJ.secret.sig&since=4',
      headers: { authorization: 'Bearer eyJ.other.sig', cookie: 'sid=s3cr3t', host: 'herald' },
      socket: { remoteAddress: '10.0.0.1' },
    } as unknown as IncomingMessage;
    createRootLogger({ logLevel: 'log', logFormat: 'json' }, stream).info({ req: request }, 'upgrade');
    const line = lines()[0];
    expect(line).not.toMatch(/secret|other|s3cr3t/);
    expect(JSON.parse(line).req).toMatchObject({
      method: 'GET',
      url: '/ws?access_token=[Redacted]&since=4',
      headers: { authorization: '[Redacted]', host: 'herald' },
    });
  });
});
