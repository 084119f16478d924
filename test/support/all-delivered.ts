import { deliveryFaults, Id } from './delivery-audit';
import { expectEventually } from './expect-eventually';
import { TestClient } from './ws-client';

/** One socket (or a socket and the one that resumed it) whose notifications a test waits for. */
export interface Watched {
  /** Names it in a failure, e.g. `user 3 on A`. */
  label: string;
  /** The notification ids it received so far, in arrival order. */
  ids: () => Id[];
  /** The ids it must end with. */
  expected: () => readonly Id[];
  /** The socket whose recent frames a failure shows. */
  client: TestClient;
}

/**
 * Waits until every watched socket has received at least as many ids as it
 * expects (a repeat then shows in the exact check that follows). On timeout
 * the error names the sockets that fell short, their missing ids and last
 * frames, then `context()` (e.g. a child process's output). `refresh` runs
 * before each check (e.g. to re-read stored rows).
 */
export async function allDelivered(watched: readonly Watched[], timeoutMs: number, refresh?: () => Promise<void>, context = (): string => ''): Promise<void> {
  try {
    await expectEventually(
      async () => {
        await refresh?.();
        const behind = watched.filter((w) => w.ids().length < w.expected().length).length;
        if (behind > 0) throw new Error(`${behind} sockets still short`);
      },
      timeoutMs,
      50,
    );
  } catch {
    const short = watched
      .filter((w) => w.ids().length < w.expected().length)
      .map((w) => {
        const recent = w.client.frames.slice(-4).map((f) => (f.event === 'notification' ? (f.data as { id: Id }).id : `${f.event} ${JSON.stringify(f.data)}`));
        return `${w.label}: ${w.ids().length} of ${w.expected().length}; missing ${JSON.stringify(deliveryFaults(w.ids(), w.expected()).missing.first)}; last frames ${JSON.stringify(recent)}`;
      });
    throw new Error(`${short.length} sockets lacked notifications after ${timeoutMs} ms:\n${short.slice(0, 12).join('\n')}${context()}`);
  }
}
