/**
 * Turns server frames into one readable terminal line each. Everything
 * that came from the server or a user is passed through `sanitize`, so a
 * message cannot move the cursor, recolour or clear the terminal.
 */

import { ServerEvent } from '../realtime/protocol';

type Data = Record<string, unknown>;

// eslint-disable-next-line no-control-regex -- matching control characters is the point: they are escaped before printing
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Replaces control characters (C0, DEL, C1, bidi overrides) with visible escapes. */
export function sanitize(text: string): string {
  return text.replace(CONTROL, (char) => NAMED[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `[HH:MM:SS]` in local time, of `at` when it is an ISO-8601 string, else of now. */
export function stamp(at?: unknown, now: Date = new Date()): string {
  const parsed = typeof at === 'string' ? new Date(at) : now;
  const time = Number.isNaN(parsed.getTime()) ? now : parsed;
  const two = (n: number) => String(n).padStart(2, '0');
  return `[${two(time.getHours())}:${two(time.getMinutes())}:${two(time.getSeconds())}]`;
}

/** A line stamped with `at` (or now), sanitized. */
export function line(text: string, at?: unknown): string {
  return `${stamp(at)} ${sanitize(text)}`;
}

const str = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? '?'));
const asData = (value: unknown): Data => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Data) : {});
const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

/** `lobby <alice> hello`, stamped with the message's `createdAt`. */
export function roomMessageLine(value: unknown): string {
  const m = asData(value);
  return line(`${str(m.room)} <${str(m.sender)}> ${str(m.text)}`, m.createdAt);
}

/**
 * `notification #42 invoice.paid from billing {"invoice":"INV-7"}`, stamped
 * with its `createdAt`; the inbox fields follow when present:
 * `[critical] [billing] "Title" body <url> [Retry -> /retry] [Ack] (replaces #41) (expires 12:00:00)`.
 */
export function notificationLine(value: unknown): string {
  const n = asData(value);
  const actor = typeof n.actor === 'string' ? ` from ${n.actor}` : '';
  const payload = Object.keys(asData(n.payload)).length > 0 ? ` ${JSON.stringify(n.payload)}` : '';
  const parts: string[] = [];
  if (typeof n.severity === 'string' && n.severity !== 'normal') parts.push(`[${n.severity}]`);
  if (typeof n.category === 'string' && n.category !== 'general') parts.push(`[${n.category}]`);
  if (typeof n.title === 'string') parts.push(JSON.stringify(n.title));
  if (typeof n.body === 'string') parts.push(n.body);
  if (typeof n.url === 'string') parts.push(`<${n.url}>`);
  for (const action of Array.isArray(n.actions) ? n.actions.map(asData) : []) {
    parts.push(`[${str(action.label)}${typeof action.url === 'string' ? ` -> ${action.url}` : ''}]`);
  }
  if (typeof n.replaces === 'string') parts.push(`(replaces #${n.replaces})`);
  if (typeof n.expiresAt === 'string') parts.push(`(expires ${stamp(n.expiresAt).slice(1, -1)})`);
  const inbox = parts.length > 0 ? ` ${parts.join(' ')}` : '';
  return line(`notification #${str(n.id)} ${str(n.type)}${actor}${inbox}${payload}`, n.createdAt);
}

const idList = (ids: unknown): string => (Array.isArray(ids) ? ids : []).map((id) => `#${str(id)}`).join(', ');

/** `#1, #2: read, seen` or `all notifications: archived`, with `un` for a flag turned off. */
function stateLine(d: Data): string {
  const flags = (['read', 'seen', 'archived'] as const).filter((flag) => typeof d[flag] === 'boolean').map((flag) => (d[flag] ? flag : `un${flag}`));
  return line(`${d.all === true ? 'all notifications' : idList(d.ids)}: ${flags.join(', ')}`);
}

/** `counts: 3 unread, 2 unseen (billing 1/1, comments 2/1)`: per category unread/unseen. */
function countsLine(d: Data): string {
  const categories = Object.entries(asData(d.byCategory)).map(([category, c]) => `${category} ${str(asData(c).unread)}/${str(asData(c).unseen)}`);
  return line(`counts: ${str(d.unread)} unread, ${str(d.unseen)} unseen${categories.length > 0 ? ` (${categories.sort().join(', ')})` : ''}`);
}

/** The summary after a `room.joined` (its history is printed line by line before it). */
export function joinedLine(value: unknown): string {
  const d = asData(value);
  const members = Array.isArray(d.members) ? d.members.map(str) : [];
  return line(`joined ${str(d.room)}: ${plural(members.length, 'member')}: ${members.join(', ')}`);
}

/** One line for every other server event; unknown events print as `<event> <data>`. */
export function eventLine(event: string, value: unknown): string {
  const d = asData(value);
  switch (event) {
    case ServerEvent.Ready:
      return line(`connected as ${str(d.user)}`);
    case ServerEvent.Notification:
      return notificationLine(value);
    case ServerEvent.NotificationRead:
      return d.all === true
        ? line('all notifications marked read (on another device)')
        : line(`marked read (on another device): ${(Array.isArray(d.ids) ? d.ids : []).map((id) => `#${str(id)}`).join(', ')}`);
    case ServerEvent.NotificationState:
      return stateLine(d);
    case ServerEvent.NotificationDeleted:
      return line(`removed: ${idList(d.ids)}`);
    case ServerEvent.Counts:
      return countsLine(d);
    case ServerEvent.RoomMessage:
      return roomMessageLine(value);
    case ServerEvent.RoomJoined:
      return joinedLine(value);
    case ServerEvent.RoomPresence:
      return line(`${str(d.room)}: ${str(d.user)} ${str(d.state)}`);
    case ServerEvent.Error:
      return line(`error ${str(d.code)}: ${str(d.message)}`);
    case ServerEvent.Resync:
      return line(`older notifications were skipped: more than ${str(d.limit)} arrived after #${str(d.since)}; page GET /notifications to see them`);
    case ServerEvent.Resumed:
      return line(`resumed after #${str(d.since)}: ${Number(d.count) > 0 ? `${plural(Number(d.count), 'missed notification')} replayed` : 'nothing missed'}`);
    default:
      return line(`${event} ${JSON.stringify(value) ?? ''}`);
  }
}
