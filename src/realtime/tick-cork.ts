import type { Writable } from 'node:stream';

/** Streams corked in the current tick, uncorked together when it ends. */
let corked: Writable[] = [];

function uncorkAll(): void {
  const streams = corked;
  corked = [];
  for (const stream of streams) stream.uncork();
}

/**
 * Corks `stream` until the end of the current tick, so every frame written
 * to it meanwhile leaves in one `writev` call instead of one each. Fan-out
 * delivers all the messages of one Redis read in one tick; a socket that
 * several of them reach (a relay batch of broadcasts) then costs one system
 * call, not one per message. `ws` corks around each frame itself; nested
 * corks are counted, so its own uncork no longer flushes until this one.
 * Buffered bytes still count towards the socket's `bufferedAmount`.
 * A stream already corked (by an earlier call in this tick) is left as is.
 */
export function corkForTick(stream: Writable): void {
  if (stream.writableCorked > 0 || !stream.writable) return;
  if (corked.length === 0) process.nextTick(uncorkAll);
  stream.cork();
  corked.push(stream);
}
