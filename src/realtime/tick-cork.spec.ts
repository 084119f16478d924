import { Writable } from 'node:stream';
import { corkForTick } from './tick-cork';

/** A writable that records each batch of chunks the stream hands to its sink in one call. */
function recordingStream(): { stream: Writable; calls: string[][] } {
  const calls: string[][] = [];
  const stream = new Writable({
    writev(chunks, callback) {
      calls.push(chunks.map(({ chunk }) => String(chunk)));
      callback();
    },
    write(chunk, _encoding, callback) {
      calls.push([String(chunk)]);
      callback();
    },
  });
  return { stream, calls };
}

const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

describe('corkForTick', () => {
  it('sends everything written to a stream in one tick in one writev, after the tick', async () => {
    const { stream, calls } = recordingStream();
    for (const frame of ['a', 'b', 'c']) {
      corkForTick(stream, 1024);
      stream.write(frame);
    }
    expect(calls).toEqual([]);
    await nextTick();
    expect(calls).toEqual([['a', 'b', 'c']]);
    expect(stream.writableCorked).toBe(0);
  });

  it('keeps frames corked across a nested cork and uncork, as ws does around each frame', async () => {
    const { stream, calls } = recordingStream();
    for (const frame of ['header1', 'header2']) {
      corkForTick(stream, 1024);
      stream.cork();
      stream.write(frame);
      stream.uncork();
    }
    expect(calls).toEqual([]);
    await nextTick();
    expect(calls).toEqual([['header1', 'header2']]);
  });

  it('uncorks every stream corked in the tick, and starts afresh in the next', async () => {
    const first = recordingStream();
    const second = recordingStream();
    corkForTick(first.stream, 1024);
    first.stream.write('1');
    corkForTick(second.stream, 1024);
    second.stream.write('2');
    await nextTick();
    expect([first.calls, second.calls]).toEqual([[['1']], [['2']]]);

    corkForTick(first.stream, 1024);
    first.stream.write('3');
    first.stream.write('4');
    await nextTick();
    expect(first.calls).toEqual([['1'], ['3', '4']]);
  });

  it('flushes at once when the corked bytes reach the threshold, and keeps corking the rest of the tick', async () => {
    const { stream, calls } = recordingStream();
    const frame = 'x'.repeat(400);
    for (let i = 0; i < 6; i++) {
      corkForTick(stream, 1024);
      stream.write(frame);
    }
    // Three frames (1,200 bytes) passed 1,024 when the fourth came: those went out, the rest waited for the tick.
    expect(calls.map((call) => call.length)).toEqual([3]);
    expect(stream.writableLength).toBe(1200);
    await nextTick();
    expect(calls.map((call) => call.length)).toEqual([3, 3]);
    expect(stream.writableCorked).toBe(0);
  });

  it('leaves a stream that can no longer be written alone', async () => {
    const { stream } = recordingStream();
    stream.destroy();
    corkForTick(stream, 1024);
    expect(stream.writableCorked).toBe(0);
    await nextTick();
  });
});
