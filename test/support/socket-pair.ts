import { IncomingMessage } from 'node:http';
import { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';

/** A real server-side `ws` socket on loopback, its upgrade request, and the client reading it (for unit specs of realtime/). */
export interface SocketPair {
  server: WebSocketServer;
  socket: WebSocket;
  request: IncomingMessage;
  client: WebSocket;
}

/** Opens a `SocketPair`; resolves once both ends are open. Close it with `closeSocketPair`. */
export async function openSocketPair(): Promise<SocketPair> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const accepted = new Promise<[WebSocket, IncomingMessage]>((resolve) => server.once('connection', (socket, request) => resolve([socket, request])));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const [socket, request] = await accepted;
  await new Promise<void>((resolve) => (client.readyState === WebSocket.OPEN ? resolve() : client.once('open', () => resolve())));
  return { server, socket, request, client };
}

/** Drops the client and closes the server. */
export async function closeSocketPair(pair: SocketPair): Promise<void> {
  pair.client.terminate();
  await new Promise<void>((resolve) => pair.server.close(() => resolve()));
}
