import { AddressInfo, createServer, connect, Server, Socket } from 'node:net';

/**
 * A TCP hop between a client and Herald that a test can break: `drop()`
 * cuts every connection (a network failure, no closing handshake),
 * `duplicateFrames` makes it deliver matching server frames twice (what a
 * resume that overlaps live delivery looks like to a client), and `refuse`
 * keeps new connections out. It records the request line of every
 * connection, e.g. `GET /ws?since=42 HTTP/1.1`.
 */
export class TcpProxy {
  /** The first line of each request that went through, in order. */
  readonly requestLines: string[] = [];
  /** Server text frames whose payload matches are forwarded twice. */
  duplicateFrames?: RegExp;
  /** While true, new connections are cut at once (the server is unreachable). */
  refuse = false;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
    /** Forwards bytes as they come (any protocol, e.g. Redis), without reading HTTP or WebSocket frames. */
    private readonly raw = false,
  ) {
    server.on('connection', (client) => this.relay(client));
  }

  /** Listens on 127.0.0.1, port 0, in front of `targetUrl` (http:// or ws://; with `raw`, any protocol, e.g. redis://). */
  static async start(targetUrl: string, options: { raw?: boolean } = {}): Promise<TcpProxy> {
    const url = new URL(targetUrl);
    const proxy = new TcpProxy(createServer(), { host: url.hostname, port: Number(url.port) }, options.raw);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** The proxy's port on 127.0.0.1. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `ws://127.0.0.1:<proxy port>/ws` */
  get wsUrl(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/ws`;
  }

  /** Cuts every open connection at once. */
  drop(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  async close(): Promise<void> {
    this.drop();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket): void {
    if (this.refuse) return void client.destroy();
    const upstream = connect(this.target.port, this.target.host);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
      socket.on('error', () => socket.destroy());
    }
    client.once('data', (chunk: Buffer) => this.requestLines.push(chunk.toString('latin1').split('\r\n')[0]));
    client.pipe(upstream);
    if (this.raw) {
      upstream.pipe(client);
      return;
    }
    let pending = Buffer.alloc(0);
    let upgraded = false;
    upstream.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (!upgraded) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        client.write(pending.subarray(0, end + 4));
        pending = pending.subarray(end + 4);
        upgraded = true;
      }
      for (let frame = takeFrame(pending); frame; frame = takeFrame(pending)) {
        pending = pending.subarray(frame.bytes.length);
        client.write(frame.bytes);
        if (frame.text !== undefined && this.duplicateFrames?.test(frame.text)) client.write(frame.bytes);
      }
    });
  }
}

/** The first complete server frame (RFC 6455 section 5.2; servers never mask) in `buffer`, if any. */
function takeFrame(buffer: Buffer): { bytes: Buffer; text?: string } | undefined {
  if (buffer.length < 2) return undefined;
  let length = buffer[1] & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (buffer.length < 4) return undefined;
    length = buffer.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (buffer.length < 10) return undefined;
    length = Number(buffer.readBigUInt64BE(2));
    offset = 10;
  }
  if (buffer.length < offset + length) return undefined;
  const bytes = buffer.subarray(0, offset + length);
  const isText = (buffer[0] & 0x0f) === 0x1;
  return { bytes, text: isText ? bytes.subarray(offset).toString('utf8') : undefined };
}
