import { Principal } from '../auth/principal';
import { EXPIRY_WARNING_S, TokenExpiry } from './token-expiry';

const T0 = Date.UTC(2030, 0, 1) / 1000;

const principal = (issuedAt: number | null, expiresAt: number): Principal => ({ sub: 'alice', roles: [], issuedAt, expiresAt });

/** A started expiry whose actions record when (in seconds from T0) they ran. */
function started(issuedAt: number | null, expiresAt: number) {
  const events: Array<[string, number, number?]> = [];
  const at = () => Date.now() / 1000 - T0;
  const expiry = new TokenExpiry(principal(issuedAt, expiresAt), {
    warn: (exp) => events.push(['warn', at(), exp]),
    expire: () => events.push(['expire', at()]),
  });
  expiry.start();
  return { expiry, events };
}

describe('TokenExpiry', () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: T0 * 1000 });
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('warns 60 s before exp and expires at exp for a one-hour token', () => {
    const { events } = started(T0, T0 + 3600);
    jest.advanceTimersByTime((3600 - EXPIRY_WARNING_S) * 1000 - 1);
    expect(events).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(events).toEqual([['warn', 3540, T0 + 3600]]);
    jest.advanceTimersByTime(60_000);
    expect(events).toEqual([
      ['warn', 3540, T0 + 3600],
      ['expire', 3600],
    ]);
  });

  it('warns a third of the lifetime before exp when that is shorter than 60 s', () => {
    const { events } = started(T0, T0 + 90);
    jest.advanceTimersByTime(90_000);
    expect(events).toEqual([
      ['warn', 60, T0 + 90],
      ['expire', 90],
    ]);
  });

  it('measures the lifetime from iat, not from when the socket connected', () => {
    // Issued 100 s ago with 20 s left: the third of 120 s (40 s) before exp is already past, so the warning is due now.
    const { events } = started(T0 - 100, T0 + 20);
    jest.advanceTimersByTime(0);
    expect(events).toEqual([['warn', 0, T0 + 20]]);
  });

  it('measures the lifetime from now when the token has no iat', () => {
    const { events } = started(null, T0 + 30);
    jest.advanceTimersByTime(30_000);
    expect(events).toEqual([
      ['warn', 20, T0 + 30],
      ['expire', 30],
    ]);
  });

  it('reports expired from exp on', () => {
    const { expiry } = started(T0, T0 + 10);
    expect(expiry.expired).toBe(false);
    jest.advanceTimersByTime(10_000);
    expect(expiry.expired).toBe(true);
  });

  it('moves the warning and the close to the exp of a fresh token', () => {
    const { expiry, events } = started(T0, T0 + 90);
    jest.advanceTimersByTime(60_000);
    expect(events).toEqual([['warn', 60, T0 + 90]]);
    expiry.extend(principal(T0 + 60, T0 + 60 + 3600));
    expect(expiry.expiresAt).toBe(T0 + 3660);
    jest.advanceTimersByTime(3600_000);
    expect(events).toEqual([
      ['warn', 60, T0 + 90],
      ['warn', 3600, T0 + 3660],
      ['expire', 3660],
    ]);
  });

  it('moves the expiry earlier too when the fresh token expires sooner', () => {
    const { expiry, events } = started(T0, T0 + 3600);
    expiry.extend(principal(T0, T0 + 30));
    jest.advanceTimersByTime(3600_000);
    expect(events).toEqual([
      ['warn', 20, T0 + 30],
      ['expire', 30],
    ]);
  });

  it('does nothing before start, and nothing after dispose', () => {
    const events: string[] = [];
    const expiry = new TokenExpiry(principal(T0, T0 + 10), { warn: () => events.push('warn'), expire: () => events.push('expire') });
    jest.advanceTimersByTime(20_000);
    expect(events).toEqual([]);
    expiry.start();
    expiry.dispose();
    jest.advanceTimersByTime(20_000);
    expect(events).toEqual([]);
  });

  it('stays disposed when started after dispose (a socket closed while it was being set up), leaving no timer behind', () => {
    const events: string[] = [];
    const expiry = new TokenExpiry(principal(T0, T0 + 10), { warn: () => events.push('warn'), expire: () => events.push('expire') });
    expiry.dispose();
    expiry.start();
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(20_000);
    expect(events).toEqual([]);
  });

  it('waits out exp beyond the longest setTimeout delay (about 24.8 days)', () => {
    const exp = T0 + 40 * 86_400;
    const { events } = started(T0, exp);
    jest.advanceTimersByTime((40 * 86_400 - 61) * 1000);
    expect(events).toEqual([]);
    jest.advanceTimersByTime(61_000);
    expect(events).toEqual([
      ['warn', 40 * 86_400 - 60, exp],
      ['expire', 40 * 86_400],
    ]);
  });
});
