import type { Writable } from 'node:stream';

/** Streams corked in the current tick, uncorked together when it ends. */
let corked: Writable[] = [];

function uncorkAll(): void {
  const streams = corked;
  corked = [];
  for (const stream of streams) stream.uncork();
}

/**
 * Corks `stream` until the end of the current tick, so the frames written
 * to it meanwhile leave in one `writev` call instead of one each. Fan-out
 * delivers all the messages of one Redis read in one tick; a socket that
 * several of them reach (broadcasts published back to back) then costs one system
 * call, not one per message. `ws` corks around each frame itself; nested
 * corks are counted, so its own uncork no longer flushes until this one.
 *
 * Corked bytes count towards the socket's `bufferedAmount` like a real
 * backlog, so once `flushAtBytes` are waiting the stream is flushed at once
 * (and corked again): a burst in one tick (the embedded broadcaster hands
 * over a burst of publishes synchronously, a replay ends with everything it
 * held) never looks like a slow reader. Call it before checking the cap
 * and writing; `flushAtBytes` well below the cap keeps the check honest.
 */
export function corkForTick(stream: Writable, flushAtBytes: number): void {
  if (!stream.writable) return;
  if (stream.writableCorked > 0) {
    if (stream.writableLength >= flushAtBytes) {
      stream.uncork();
      stream.cork();
    }
    return;
  }
  if (corked.length === 0) process.nextTick(uncorkAll);
  stream.cork();
  corked.push(stream);
}
