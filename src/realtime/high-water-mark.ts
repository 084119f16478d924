import { compareIds } from '../common/record-id';

/**
 * The newest notification id any socket of this instance was sent (or the
 * newest stored id at start-up): where a socket that never got a
 * notification of its own catches up from after a broadcaster outage.
 */
export class HighWaterMark {
  private newest = '0';

  get id(): string {
    return this.newest;
  }

  /** Moves the mark up to `id`; a no-op for an older id. */
  raise(id: string): void {
    if (compareIds(id, this.newest) > 0) this.newest = id;
  }
}
