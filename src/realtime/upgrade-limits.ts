import type { Socket } from 'node:net';
import { RealtimeConfig } from '../config/herald.config';

/** Client addresses whose allowance is remembered; past it the least recently seen is forgotten (and starts full again). */
export const MAX_TRACKED_ADDRESSES = 100_000;

/**
 * This instance's admission limits for WebSocket upgrades, checked in the
 * adapter's `verifyClient` before a socket exists:
 *
 * - upgrades per client address (`WS_UPGRADES_PER_MINUTE`): a token bucket
 *   per address holding up to a minute's allowance and refilled evenly,
 *   taken by every attempt, refused or not, so token guessing is bounded
 *   too. IPv6 addresses count per /64, what one subscriber usually holds;
 * - open sockets per user (`MAX_SOCKETS_PER_USER`): counted from the
 *   accepted upgrade until its TCP connection closes, so an upgrade that
 *   never completes releases its place as a closed socket does.
 *
 * Both are per instance, per worker process with `HERALD_WORKERS`
 * (documented in docs/protocol.md); memory is
 * bounded by `MAX_TRACKED_ADDRESSES` and by the open sockets.
 */
export class UpgradeLimits {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly sockets = new Map<string, number>();
  private readonly refillPerMs: number;

  constructor(
    private readonly config: Pick<RealtimeConfig, 'upgradesPerMinute' | 'maxSocketsPerUser'>,
    private readonly now: () => number = Date.now,
  ) {
    this.refillPerMs = config.upgradesPerMinute / 60_000;
  }

  get maxSocketsPerUser(): number {
    return this.config.maxSocketsPerUser;
  }

  /**
   * Counts one upgrade attempt from `address`.
   * @returns 0 when it may go on, else the whole seconds until the next one may (for `Retry-After`).
   */
  takeUpgrade(address: string | undefined): number {
    const key = addressKey(address);
    const now = this.now();
    const bucket = this.buckets.get(key);
    const capacity = this.config.upgradesPerMinute;
    let tokens = bucket ? Math.min(capacity, bucket.tokens + (now - bucket.at) * this.refillPerMs) : capacity;
    // Deleted and set again, the map stays in least-recently-seen order.
    this.buckets.delete(key);
    const allowed = tokens >= 1;
    if (allowed) tokens -= 1;
    this.buckets.set(key, { tokens, at: now });
    if (this.buckets.size > MAX_TRACKED_ADDRESSES) this.buckets.delete(this.buckets.keys().next().value as string);
    return allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / this.refillPerMs / 1000));
  }

  /**
   * Counts a socket of `user` until `transport` (the upgrade request's TCP
   * connection) closes.
   * @returns false, counting nothing, when the user already has `maxSocketsPerUser`.
   */
  acquireSocket(user: string, transport: Socket): boolean {
    const open = this.sockets.get(user) ?? 0;
    if (open >= this.config.maxSocketsPerUser) return false;
    // Already gone: the upgrade cannot complete, and 'close' will not come again.
    if (transport.destroyed) return true;
    this.sockets.set(user, open + 1);
    transport.once('close', () => {
      const left = (this.sockets.get(user) ?? 1) - 1;
      if (left > 0) this.sockets.set(user, left);
      else this.sockets.delete(user);
    });
    return true;
  }
}

/** The rate limit key of a client address: IPv4 as is (mapped ones unwrapped), IPv6 as its /64. */
export function addressKey(address: string | undefined): string {
  if (address === undefined) return '';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  if (!address.includes(':')) return address;
  const [head, tail] = address.replace(/%.*$/, '').toLowerCase().split('::');
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const groups =
    tail === undefined ? headGroups : [...headGroups, ...Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill('0'), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}
