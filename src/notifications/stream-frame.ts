/**
 * A notification's place in its delivery stream (docs/delivery.md), which
 * travels with its frame between instances so that each socket can put
 * its user's notifications in order and notice one that is missing.
 */
export interface StreamPosition {
  /** `t`: the recipient's own stream; `b`: the broadcast stream. */
  kind: 't' | 'b';
  /** The notification's number in that stream: 1, 2, 3, ... in commit order. */
  seq: number;
  /**
   * Targeted only: the broadcast stream's newest number when this one was
   * stored. Every broadcast up to it has a smaller id and reaches the socket
   * first. 0 when not known (a row the publish sweep sends).
   */
  after: number;
}

/** A frame as the broadcaster carries it: the position, then the client's frame. */
export interface StreamFrame {
  position: StreamPosition;
  /** The exact bytes the client gets (a view into the carried frame, shared by every socket). */
  body: Buffer;
}

/** First byte of a carried notification frame; a client frame (JSON) never starts with it. */
const MARK = 0x7e; // '~'

/**
 * Prefixes a `notification` frame with its stream position, `~t12.3~{...}`
 * or `~b7~{...}`, for the broadcaster. The socket strips it again
 * (`decodeStreamFrame`): clients never see it.
 */
export function encodeStreamFrame(position: StreamPosition, frame: string): string {
  return position.kind === 't' ? `~t${position.seq}.${position.after}~${frame}` : `~b${position.seq}~${frame}`;
}

let lastFrame: Buffer | null = null;
let lastDecoded: StreamFrame | null = null;

/**
 * The position and client bytes of a carried notification frame, or null
 * for any other frame (read-state hints, room events). Fan-out hands one
 * Buffer to every socket in turn, so the last answer is remembered and
 * every socket shares one `body` view.
 */
export function decodeStreamFrame(frame: Buffer): StreamFrame | null {
  if (frame === lastFrame) return lastDecoded;
  lastFrame = frame;
  lastDecoded = null;
  if (frame.length < 4 || frame[0] !== MARK) return null;
  const end = frame.indexOf(MARK, 1);
  if (end < 0) return null;
  const kind = frame[1] === 0x74 ? 't' : frame[1] === 0x62 ? 'b' : null;
  if (kind === null) return null;
  const [seq, after] = frame.toString('latin1', 2, end).split('.');
  lastDecoded = { position: { kind, seq: Number(seq), after: kind === 't' ? Number(after ?? 0) : 0 }, body: frame.subarray(end + 1) };
  return lastDecoded;
}
