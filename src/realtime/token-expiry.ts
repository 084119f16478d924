import { Principal } from '../auth/principal';

/** The most seconds before `exp` that `auth.expiring` is sent; a short-lived token gets a third of its lifetime instead. */
export const EXPIRY_WARNING_S = 60;

/** Longest delay `setTimeout` accepts (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What the expiry does to its socket. */
export interface ExpiryActions {
  /** Send `auth.expiring {exp}`. */
  warn(exp: number): void;
  /** Close the socket with 4401. */
  expire(): void;
}

/**
 * The one owner of a socket's token expiry. Once started it warns
 * `EXPIRY_WARNING_S` seconds (or a third of the token's lifetime, when
 * that is shorter) before `exp`, and expires the socket at `exp`. A fresh
 * token (`auth.refresh`) moves both to its own `exp`. The lifetime runs
 * from the token's `iat`, or from when Herald accepted it when it has none.
 * Times are NumericDates (seconds), as in the claims.
 */
export class TokenExpiry {
  private exp: number;
  private issuedAt: number;
  private started = false;
  private disposed = false;
  private readonly timers: { warn?: NodeJS.Timeout; expire?: NodeJS.Timeout } = {};

  constructor(
    principal: Principal,
    private readonly actions: ExpiryActions,
  ) {
    this.exp = principal.expiresAt;
    this.issuedAt = principal.issuedAt ?? Date.now() / 1000;
  }

  /** The `exp` now in force, in seconds since the epoch. */
  get expiresAt(): number {
    return this.exp;
  }

  get expired(): boolean {
    return this.exp * 1000 <= Date.now();
  }

  /**
   * Arms the warning and the close; a warning already due is sent at once
   * (after the current frame). A no-op once disposed: a socket can close
   * while its connection is still being set up, and a timer armed then
   * would outlive it (and keep the process alive until the token's `exp`).
   */
  start(): void {
    if (this.disposed) return;
    this.started = true;
    this.arm();
  }

  /** Takes the expiry of a fresh token for the same user, whether later or earlier than the current one. */
  extend(principal: Principal): void {
    this.exp = principal.expiresAt;
    this.issuedAt = principal.issuedAt ?? Date.now() / 1000;
    if (this.started) this.arm();
  }

  dispose(): void {
    this.disposed = true;
    this.started = false;
    clearTimeout(this.timers.warn);
    clearTimeout(this.timers.expire);
  }

  private arm(): void {
    const exp = this.exp;
    const leadSeconds = Math.min(EXPIRY_WARNING_S, Math.max(0, exp - this.issuedAt) / 3);
    this.schedule('warn', (exp - leadSeconds) * 1000, () => this.actions.warn(exp));
    this.schedule('expire', exp * 1000, () => this.actions.expire());
  }

  private schedule(kind: 'warn' | 'expire', atMs: number, fire: () => void): void {
    clearTimeout(this.timers[kind]);
    const remaining = atMs - Date.now();
    if (remaining > MAX_TIMER_MS) {
      this.timers[kind] = setTimeout(() => this.schedule(kind, atMs, fire), MAX_TIMER_MS);
      return;
    }
    this.timers[kind] = setTimeout(fire, Math.max(0, remaining));
  }
}
