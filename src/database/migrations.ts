import { CreateNotifications1763683200000 } from '../../migrations/1763683200000-create-notifications';
import { CaseSensitiveUserIds1763690400000 } from '../../migrations/1763690400000-case-sensitive-user-ids';
import { CreateRoomMessages1763697600000 } from '../../migrations/1763697600000-create-room-messages';
import { CreateNotificationOutbox1763704800000 } from '../../migrations/1763704800000-create-notification-outbox';
import { RelayFromNotifications1763791200000 } from '../../migrations/1763791200000-relay-from-notifications';
import { Inbox1764500000000 } from '../../migrations/1764500000000-inbox';
import { DeliveryStreams1764510000000 } from '../../migrations/1764510000000-delivery-streams';

/**
 * Every migration in order. Listed by class rather than found by a file
 * glob so the same list works compiled, under ts-jest and in the CLI.
 */
export const MIGRATIONS = [
  CreateNotifications1763683200000,
  CaseSensitiveUserIds1763690400000,
  CreateRoomMessages1763697600000,
  CreateNotificationOutbox1763704800000,
  RelayFromNotifications1763791200000,
  Inbox1764500000000,
  DeliveryStreams1764510000000,
];
