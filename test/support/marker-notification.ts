import { PostOutcome, postNotifications } from './outage-requests';
import { TestClient } from './ws-client';

/** How long each socket may take to receive a marker. */
const MARKER_TIMEOUT_MS = 15_000;

/**
 * POSTs one notification to every one of `users` and waits until each
 * socket has its user's: `sockets[i]` belongs to `users[i % users.length]`,
 * so one socket per user on A followed by one per user on B works, and so
 * does any socket of `users[0]` appended at the end. A warm-up marker
 * proves the sockets are subscribed before a fault; a sentinel after it
 * proves nothing more is coming, because the relay publishes in id order
 * and anything repeated late would have arrived first.
 * @throws when the POST is not answered 201, or a socket lacks its id after 15 s.
 */
export async function postMarker(baseUrl: string, token: string, users: readonly string[], type: string, sockets: readonly TestClient[]): Promise<PostOutcome> {
  const marker = await postNotifications(baseUrl, token, users, type);
  if (marker.status !== 201) throw new Error(`the ${type} marker was answered ${marker.status}${marker.error ? ` (${marker.error})` : ''}, not 201`);
  await Promise.all(sockets.map((client, i) => client.next('notification', (n: { id: string }) => n.id === marker.ids[i % users.length], MARKER_TIMEOUT_MS)));
  return marker;
}
