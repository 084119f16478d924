import { Inject, Injectable, Logger } from '@nestjs/common';
import { GROUP_BROADCASTER, GroupBroadcaster } from './group-broadcaster';

/**
 * Publishes frames whose truth is already stored (a room message, a read
 * state change) without holding up the caller: a broadcaster outage costs
 * their live delivery only, and is logged as a warning. Notifications do
 * not go through here: the stream publisher sends them after commit and
 * the publish sweep re-sends any whose publish was lost.
 */
@Injectable()
export class BestEffortPublisher {
  private readonly logger = new Logger(BestEffortPublisher.name);

  constructor(@Inject(GROUP_BROADCASTER) private readonly broadcaster: GroupBroadcaster) {}

  /** Hands `frame` to the broadcaster for `group`; `what` names it in the warning if that fails. */
  publish(group: string, frame: string, what: string): void {
    this.broadcaster.publish(group, frame).catch((error: Error) => {
      this.logger.warn(`live delivery of ${what} to ${group} failed; it is stored: ${error.message}`);
    });
  }
}
