/**
 * The WebSocket wire protocol of `GET /ws` (docs/protocol.md), in one
 * place: every event name, error code and close code. Every frame is a
 * JSON text frame `{"event": string, "data": any}`; the server events and
 * their payload types (`ServerEventMap`) are in `common/server-frame.ts`,
 * re-exported here.
 */
export { encodeFrame, ServerEvent } from '../common/server-frame';
export type { ServerEventMap, ServerEventName, ServerFrame } from '../common/server-frame';
import { exceedsJsonDepth } from '../common/json-depth';

/** Largest client frame in bytes; larger frames close the socket with `CloseCode.MessageTooBig`. */
export const MAX_FRAME_BYTES = 64 * 1024;

/**
 * Most levels of arrays and objects in a client frame's `data` (`{}` is
 * one; every event's data is one or two). A frame nested deeper (the frame
 * object is one level more) gets `ErrorCode.InvalidData` before it is parsed.
 */
export const MAX_DATA_DEPTH = 8;

/** Path of the WebSocket endpoint. */
export const WS_PATH = '/ws';

/** Query parameter carrying the token for browsers (RFC 6750 section 2.3). */
export const ACCESS_TOKEN_PARAM = 'access_token';

/** Query parameter with the last notification id a reconnecting client saw; see `ClientEvent.Resume`. */
export const RESUME_PARAM = 'since';

/** Most notifications one resume replays; beyond it the client gets the newest page and `resync`. */
export const RESUME_LIMIT = 1_000;

/** Codes of `{"event":"error","data":{"code","message"}}` frames; the socket stays open. */
export const ErrorCode = {
  /** The frame is not valid UTF-8 JSON. */
  InvalidJson: 'invalid_json',
  /** Binary frame, or JSON that is not `{"event": string, "data": any}`. */
  InvalidFrame: 'invalid_frame',
  /** No handler for the event name. */
  UnknownEvent: 'unknown_event',
  /** The event's `data` broke its rules (the message says which), or the frame nests more than `MAX_DATA_DEPTH` levels under it. */
  InvalidData: 'invalid_data',
  /** The socket's credentials no longer allow the action. */
  Unauthorized: 'unauthorized',
  /**
   * `auth.refresh` with a token that fails verification (the same rules as
   * the upgrade) or names another `sub`; nothing changed, the socket still
   * closes with 4401 at its current `exp`.
   */
  InvalidToken: 'invalid_token',
  /** `room.send` to a room this socket has not joined (`room.join` first). */
  NotJoined: 'not_joined',
  /** `room.join` when this socket is already in 100 rooms. */
  TooManyRooms: 'too_many_rooms',
  /** The referenced resource does not exist or is not the caller's. */
  NotFound: 'not_found',
  /** A server fault; the frame may be retried. */
  InternalError: 'internal_error',
} as const;

export type ErrorCodeName = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Client-to-server events; `data` rules are in `rooms/rooms.dto.ts`, `resume.dto.ts` and `auth-refresh.dto.ts`. */
export const ClientEvent = {
  /** `{room}`: subscribe this socket to the room; the reply is `room.joined`. Joining twice is a no-op that replies again. */
  RoomJoin: 'room.join',
  /** `{room}`: unsubscribe this socket; a no-op when it had not joined. */
  RoomLeave: 'room.leave',
  /** `{room, text}`: store and broadcast a message; `not_joined` unless this socket joined the room. */
  RoomSend: 'room.send',
  /**
   * `{since}`: replay, in id order, every notification of the caller's feed
   * with an id above `since` (a notification id string), then `resumed`;
   * the same as connecting with `?since=`. More than `RESUME_LIMIT` missed:
   * `resync`, then only the newest page.
   */
  Resume: 'resume',
  /**
   * `{token}`: a fresh access token (1-8,192 characters) for this socket's
   * own `sub`, typically sent on `auth.expiring`. Valid: the socket's expiry
   * moves to the token's `exp` and the reply is `auth.refreshed {exp}`.
   * Otherwise an `invalid_token` error and nothing changes. Roles and other
   * claims stay those of the token the socket connected with.
   */
  AuthRefresh: 'auth.refresh',
} as const;

/** Close codes Herald sends (RFC 6455 section 7.4; 4000-4999 are application codes). */
export const CloseCode = {
  /** 1001: the server is shutting down; reconnect (to another instance). */
  GoingAway: 1001,
  /** 1008: policy violation, e.g. the socket lost its authentication. */
  PolicyViolation: 1008,
  /** 1009: a frame exceeded `MAX_FRAME_BYTES`. */
  MessageTooBig: 1009,
  /** 1011: unexpected server condition. */
  InternalError: 1011,
  /** 1013: try again later; the socket's unsent backlog passed `WS_MAX_BUFFERED_BYTES` (slow reader). */
  TryAgainLater: 1013,
  /** 4401: the access token's `exp` passed (after any `auth.refresh`); reconnect with a fresh token. */
  TokenExpired: 4401,
} as const;

/** A parsed client frame. */
export interface ClientFrame {
  event: string;
  data: unknown;
}

/** Why a client frame could not be parsed. */
export interface FrameError {
  code: ErrorCodeName;
  message: string;
}

/** Parses one client frame; never throws. */
export function parseClientFrame(raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): ClientFrame | FrameError {
  if (isBinary) return { code: ErrorCode.InvalidFrame, message: 'frames must be JSON text frames' };
  const bytes = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
  // Before parsing: the ValidationPipe behind the handlers recurses once per level.
  if (exceedsJsonDepth(bytes, MAX_DATA_DEPTH + 1)) {
    return { code: ErrorCode.InvalidData, message: `data must not nest arrays and objects more than ${MAX_DATA_DEPTH} levels deep` };
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { code: ErrorCode.InvalidJson, message: 'frame is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { code: ErrorCode.InvalidFrame, message: 'frame must be a JSON object {"event": string, "data": any}' };
  }
  const { event, data } = value as { event?: unknown; data?: unknown };
  if (typeof event !== 'string' || event.length === 0 || event.length > 64) {
    return { code: ErrorCode.InvalidFrame, message: 'frame.event must be a string of 1-64 characters' };
  }
  return { event, data };
}

export function isFrameError(value: ClientFrame | FrameError): value is FrameError {
  return 'code' in value;
}
