import { Command, Reply, Request } from './load-protocol';
import { publish } from './publisher';
import { Receiver } from './receiver';

/**
 * A load-client child process (forked by the coordinator): holds some of
 * the sockets and/or publishes, answering the coordinator's requests over
 * IPC. It exits when the coordinator goes away.
 */
const receiver = new Receiver();

async function handle(command: Command): Promise<unknown> {
  switch (command.op) {
    case 'connect':
      return receiver.connect(command);
    case 'phase':
      return receiver.setPhase(command.phase);
    case 'pause':
      return receiver.pause();
    case 'resume':
      return receiver.resume();
    case 'progress':
      return receiver.progress();
    case 'collect':
      return receiver.collect();
    case 'close':
      return receiver.close();
    case 'publish':
      return publish(command);
  }
}

process.on('message', (request: Request) => {
  handle(request).then(
    (result) => process.send?.({ id: request.id, ok: true, result: result ?? null } satisfies Reply),
    (error: Error) => process.send?.({ id: request.id, ok: false, error: error.stack ?? String(error) } satisfies Reply),
  );
});
process.on('disconnect', () => process.exit(0));
