import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { Command, Reply } from './load-protocol';

/** Every load client alive, so a timed-out workload or an interrupted run can kill them all. */
export const liveClients = new Set<LoadClient>();

/** The coordinator's handle on one load-client child process. */
export class LoadClient {
  private readonly child: ChildProcess;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private exited = false;

  constructor(readonly name: string) {
    // Large heaps for 4,000+ client sockets; stdio inherited so a crash is visible.
    this.child = fork(join(__dirname, 'load-client.js'), [], { execArgv: ['--max-old-space-size=4096'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (reply: Reply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(new Error(`${this.name}: ${reply.error}`));
    });
    liveClients.add(this);
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      liveClients.delete(this);
      for (const waiter of this.pending.values()) waiter.reject(new Error(`${this.name} exited (${signal ?? code})`));
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  request<T>(command: Command): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.name} has exited`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ ...command, id });
    });
  }

  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

/** Starts `count` load clients; `all` sends one command to each and gathers the answers. */
export class LoadClientPool {
  readonly clients: LoadClient[];

  constructor(count: number, prefix: string) {
    this.clients = Array.from({ length: count }, (_, i) => new LoadClient(`${prefix}-${i}`));
  }

  all<T>(command: Command): Promise<T[]> {
    return Promise.all(this.clients.map((client) => client.request<T>(command)));
  }

  kill(): void {
    for (const client of this.clients) client.kill();
  }
}
