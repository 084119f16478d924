import WebSocket from 'ws';
import { GroupBroadcaster } from '../broadcaster/group-broadcaster';
import { NotificationView, PLAIN_INBOX_FIELDS } from '../common/server-frame';
import { HeraldConfig } from '../config/herald.config';
import { HeraldMetrics } from '../metrics/herald-metrics';
import { NotificationReplay, ReplayItem, ReplayPage } from '../notifications/notification-replay.service';
import { CatchUp } from './catch-up';
import { Connection } from './connection';
import { ConnectionRegistry } from './connection.registry';
import { HighWaterMark } from './high-water-mark';
import { closeSocketPair, openSocketPair, SocketPair } from '../../test/support/socket-pair';

function item(id: string, kind: 't' | 'b', seq: number, fields: Partial<NotificationView> = {}, silent = false): ReplayItem {
  return {
    view: { id, type: 't', actor: null, payload: {}, ...PLAIN_INBOX_FIELDS, createdAt: new Date(0).toISOString(), readAt: null, ...fields },
    position: { kind, seq, after: 0 },
    silent,
  };
}

/** The database side of replays, answering from a fixed page and counting its queries. */
class FixedReplay {
  queries = 0;
  constructor(private readonly page: ReplayPage) {}
  missedSince(): Promise<ReplayPage> {
    this.queries++;
    return Promise.resolve(this.page);
  }
  positions(): Promise<{ targeted: number; broadcast: number }> {
    this.queries++;
    return Promise.resolve({ targeted: 0, broadcast: 0 });
  }
}

const principal = { sub: 'alice', roles: [], expiresAt: Math.floor(Date.now() / 1000) + 3600, issuedAt: null };
const broadcaster = { onInterrupted: () => undefined, onResubscribed: () => undefined } as unknown as GroupBroadcaster;
const metrics = { observeReplays: () => undefined, observeConnections: () => undefined, deliveries: undefined } as unknown as HeraldMetrics;

function catchUp(replay: FixedReplay, concurrency = 4): CatchUp {
  const config = { realtime: { replayConcurrency: concurrency } } as HeraldConfig;
  return new CatchUp(new ConnectionRegistry(broadcaster, metrics), replay as unknown as NotificationReplay, broadcaster, config, metrics);
}

/** The notification ids the client read until `resumed`. */
function readUntilResumed(client: WebSocket): Promise<string[]> {
  const ids: string[] = [];
  return new Promise((resolve) => {
    client.on('message', (data) => {
      const frame = JSON.parse((data as Buffer).toString()) as { event: string; data: { id: string } };
      if (frame.event === 'notification') ids.push(frame.data.id);
      if (frame.event === 'resumed') resolve(ids);
    });
  });
}

describe('CatchUp', () => {
  let pair: SocketPair;

  beforeEach(async () => {
    pair = await openSocketPair();
  });

  afterEach(() => closeSocketPair(pair));

  it('does not replay a non-critical broadcast in a category the socket mutes, but still replays a critical one and targeted ones', async () => {
    const replay = new FixedReplay({
      items: [
        item('1', 'b', 1, { category: 'promo' }),
        item('2', 't', 1, { category: 'promo' }),
        item('3', 'b', 2, { category: 'promo', severity: 'critical' }),
        item('4', 'b', 3, { category: 'news' }),
      ],
      truncated: false,
      positions: { targeted: 1, broadcast: 3 },
    });
    const connection = new Connection(pair.socket, principal, 1 << 20, new HighWaterMark());
    connection.mutedCategories = new Set(['promo']);
    const received = readUntilResumed(pair.client);
    await catchUp(replay).resume(connection, '0');
    expect(await received).toEqual(['2', '3', '4']);
  });

  it('refreshes the counts after a replay that brought notifications, silent ones included', async () => {
    const replay = new FixedReplay({ items: [item('1', 't', 1, {}, true)], truncated: false, positions: { targeted: 1, broadcast: 0 } });
    const connection = new Connection(pair.socket, principal, 1 << 20, new HighWaterMark());
    let refreshed = 0;
    connection.countsChanged = () => refreshed++;
    await catchUp(replay).resume(connection, '0');
    expect(refreshed).toBe(1);
  });

  it('leaves the counts alone after a replay that brought nothing', async () => {
    const replay = new FixedReplay({ items: [], truncated: false, positions: { targeted: 0, broadcast: 0 } });
    const connection = new Connection(pair.socket, principal, 1 << 20, new HighWaterMark());
    let refreshed = 0;
    connection.countsChanged = () => refreshed++;
    await catchUp(replay).resume(connection, '0');
    expect(refreshed).toBe(0);
  });

  it('skips the queries of sockets that closed while waiting for their turn', async () => {
    const replay = new FixedReplay({ items: [], truncated: false, positions: null });
    const connection = new Connection(pair.socket, principal, 1 << 20, new HighWaterMark());
    const closed = new Promise<void>((resolve) => pair.socket.once('close', () => resolve()));
    pair.client.terminate();
    await closed;
    const catchingUp = catchUp(replay, 1);
    await catchingUp.start(connection, () => undefined);
    await catchingUp.resume(connection, '0');
    expect(replay.queries).toBe(0);
  });
});
