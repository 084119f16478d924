import { TestClient } from './ws-client';

/** A notification id as the API writes it: a decimal BIGINT string. */
export type Id = string;

/** Orders ids numerically (they outgrow `Number` and compare wrongly as strings). */
export const byId = (a: Id, b: Id): number => (BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0);

/** The ids of the `notification` frames a socket received, in arrival order. */
export const notificationIds = (client: TestClient): Id[] => client.all('notification').map((n: { id: Id }) => n.id);

/** What went wrong with one socket's delivery; `NO_FAULTS` when nothing did. Lists are cut to their first 10. */
export interface DeliveryFaults {
  missing: { count: number; first: Id[] };
  unexpected: { count: number; first: Id[] };
  repeated: { count: number; first: Id[] };
  /** Ids that arrived after an id at least as large. */
  outOfOrder: { count: number; first: Id[] };
}

/** The audit of a socket that got every id it should have, once each, in increasing order, and nothing else. */
export const NO_FAULTS: DeliveryFaults = {
  missing: { count: 0, first: [] },
  unexpected: { count: 0, first: [] },
  repeated: { count: 0, first: [] },
  outOfOrder: { count: 0, first: [] },
};

/**
 * Compares the ids a socket received, in arrival order, with the ids it
 * should have had; `expect(deliveryFaults(...)).toEqual(NO_FAULTS)` fails
 * with counts and examples of every kind of fault at once.
 */
export function deliveryFaults(received: readonly Id[], expected: readonly Id[]): DeliveryFaults {
  const want = new Set(expected);
  const seen = new Map<Id, number>();
  for (const id of received) seen.set(id, (seen.get(id) ?? 0) + 1);
  const list = (ids: Id[]) => ({ count: ids.length, first: ids.slice(0, 10) });
  return {
    missing: list([...want].filter((id) => !seen.has(id)).sort(byId)),
    unexpected: list([...seen.keys()].filter((id) => !want.has(id))),
    repeated: list([...seen].filter(([, count]) => count > 1).map(([id]) => id)),
    outOfOrder: list(received.filter((id, i) => i > 0 && byId(received[i - 1], id) >= 0)),
  };
}
