import { sign } from 'jsonwebtoken';
import WebSocket, { RawData } from 'ws';
import { encodeHistogram, newHistogram } from './latency';
import { BenchPayload, ConnectCommand, ConnectResult, ReceiveProgress, ReceiveResult, userId } from './load-protocol';
import { nowMicros } from './proc-stats';

const HANDSHAKE_TIMEOUT_MS = 30_000;

interface SocketState {
  ws: WebSocket;
  user: number;
  slow: boolean;
  seen: Set<number>;
}

/**
 * The receiving side of a load client: authenticated sockets that check
 * every `notification` frame of the current phase for its recipient, count
 * duplicates, and record send-to-receipt latency.
 */
export class Receiver {
  private readonly sockets: SocketState[] = [];
  private phase = -1;
  private normalLatency = newHistogram();
  private slowLatency = newHistogram();
  private counts = this.zero();

  async connect(command: ConnectCommand): Promise<ConnectResult> {
    const slow = new Set(command.slow);
    const startedMicros = nowMicros();
    let next = 0;
    let ready = 0;
    const errors: Record<string, number> = {};
    const one = async (): Promise<void> => {
      while (next < command.count) {
        const user = command.first + next++;
        try {
          await this.open(command, user, slow.has(user));
          ready++;
        } catch (error) {
          const key = (error as Error).message.slice(0, 80);
          errors[key] = (errors[key] ?? 0) + 1;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(command.concurrency, command.count) }, one));
    return { ready, failed: command.count - ready, startedMicros, endedMicros: nowMicros(), errors };
  }

  setPhase(phase: number): void {
    this.phase = phase;
    this.counts = this.zero();
    this.normalLatency = newHistogram();
    this.slowLatency = newHistogram();
    for (const socket of this.sockets) socket.seen.clear();
  }

  pause(): void {
    for (const socket of this.sockets) if (socket.slow) socket.ws.pause();
  }

  resume(): void {
    for (const socket of this.sockets) if (socket.slow) socket.ws.resume();
  }

  progress(): ReceiveProgress {
    return { ...this.counts, closes: structuredClone(this.counts.closes), open: this.sockets.filter((s) => s.ws.readyState === WebSocket.OPEN).length };
  }

  collect(): ReceiveResult {
    return { ...this.progress(), normalLatency: encodeHistogram(this.normalLatency), slowLatency: encodeHistogram(this.slowLatency) };
  }

  close(): void {
    for (const socket of this.sockets) socket.ws.terminate();
    this.sockets.length = 0;
  }

  private open(command: ConnectCommand, user: number, slow: boolean): Promise<void> {
    const token = sign({ sub: userId(command.userPrefix, user) }, command.secret, { algorithm: 'HS256', expiresIn: 3600 });
    const ws = new WebSocket(command.url, {
      headers: { authorization: `Bearer ${token}` },
      localAddress: command.localAddress,
      perMessageDeflate: false,
      skipUTF8Validation: true,
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    });
    const state: SocketState = { ws, user, slow, seen: new Set() };
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      ws.on('message', (raw: RawData) => {
        if (ready) return this.receive(state, raw as Buffer);
        // eslint-disable-next-line @typescript-eslint/no-base-to-string -- ws hands text frames over as one Buffer here
        if (raw.toString().startsWith('{"event":"ready"')) {
          ready = true;
          this.sockets.push(state);
          resolve();
        }
      });
      ws.on('unexpected-response', (_request, response) => reject(new Error(`upgrade answered ${response.statusCode}`)));
      ws.on('error', (error) => reject(error));
      ws.on('close', (code) => {
        if (!ready) return reject(new Error(`closed ${code} before ready`));
        const closes = slow ? this.counts.closes.slow : this.counts.closes.normal;
        closes[code] = (closes[code] ?? 0) + 1;
      });
    });
  }

  private receive(state: SocketState, raw: Buffer): void {
    const receivedAt = nowMicros();
    const frame = JSON.parse(raw.toString()) as { event: string; data: { payload?: BenchPayload } };
    const payload = frame.data?.payload;
    if (frame.event !== 'notification' || !payload || payload.ph !== this.phase) {
      this.counts.stray++;
      return;
    }
    if (payload.bulk) {
      this.counts.bulkFrames++;
      return;
    }
    this.counts.lastReceiptMicros = receivedAt;
    if (payload.r !== undefined && (state.user < payload.r || state.user >= payload.r + (payload.n ?? 1))) {
      this.counts.misdelivered++;
      return;
    }
    if (state.seen.has(payload.seq)) {
      this.counts.duplicates++;
      return;
    }
    state.seen.add(payload.seq);
    if (state.slow) this.counts.uniqueSlow++;
    else this.counts.unique++;
    (state.slow ? this.slowLatency : this.normalLatency).recordValue(Math.max(1, receivedAt - payload.t));
  }

  private zero(): Omit<ReceiveProgress, 'open'> {
    return { unique: 0, uniqueSlow: 0, duplicates: 0, misdelivered: 0, stray: 0, bulkFrames: 0, lastReceiptMicros: 0, closes: { normal: {}, slow: {} } };
  }
}
