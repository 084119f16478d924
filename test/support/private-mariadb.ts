import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { freePort, OwnedProcess, waitUntilReady } from './owned-process';

const MARIADBD = '/usr/sbin/mariadbd';
/** Attempts at finding a port nobody else grabbed between probing and binding. */
const PORT_ATTEMPTS = 5;
const INSTALL_TIMEOUT_MS = 60_000;
const READY_TIMEOUT_MS = 30_000;
/** A clean shutdown of this small server takes well under a second; SIGKILL after this. */
const STOP_GRACE_MS = 20_000;
/**
 * Options shared by `mariadb-install-db` (it passes them to its bootstrap
 * server) and `mariadbd`, so both agree on the redo log size. Small buffers
 * and logs start fast; durability settings stay at their defaults so
 * `kill()` is a real crash that InnoDB recovers from.
 */
const SERVER_OPTIONS = ['--innodb-buffer-pool-size=32M', '--innodb-log-file-size=4M', '--skip-log-bin', '--performance-schema=OFF'];

/**
 * A `mariadbd` only this test uses, for destructive fault tests (the shared
 * MariaDB on 3306 is never stopped). Data survives `stop()`/`start()` and
 * `kill()`/`start()` (after crash recovery); `dispose()` deletes it.
 */
export class PrivateMariaDb {
  /** The database created at first start and named in `url`. */
  readonly database = 'herald';
  private server: OwnedProcess | undefined;

  private constructor(
    /** The TCP port on 127.0.0.1; the same across `stop()` and `start()`. */
    readonly port: number,
    private readonly dir: string,
  ) {}

  /** `mysql://root@127.0.0.1:<port>/herald` (root, empty password). */
  get url(): string {
    return `mysql://root@127.0.0.1:${this.port}/${this.database}`;
  }

  /** The running server's process id; undefined while stopped. */
  get pid(): number | undefined {
    return this.server?.running ? this.server.pid : undefined;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** @internal Use `startPrivateMariaDb()`. */
  static async create(): Promise<PrivateMariaDb> {
    const dir = await mkdtemp(join(tmpdir(), 'herald-mariadb-'));
    try {
      await install(join(dir, 'data'));
      let lastError: unknown;
      for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
        const mariadb = new PrivateMariaDb(await freePort(), dir);
        try {
          await mariadb.start();
          await mariadb.query(`CREATE DATABASE IF NOT EXISTS \`${mariadb.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
          return mariadb;
        } catch (error) {
          lastError = error;
          await mariadb.stop();
          if (!(error instanceof Error && /Address already in use|Can't start server: Bind/.test(error.message))) break;
        }
      }
      throw lastError;
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Starts the server on `port` with the existing data directory and
   * resolves once root can run a query over TCP (after crash recovery, when
   * the last stop was `kill()`).
   * @throws when it is already running, exits or is not ready within 30 s.
   */
  async start(): Promise<void> {
    if (this.server?.running) throw new Error(`private MariaDB on ${this.port} is already running`);
    const args = [
      '--no-defaults',
      `--datadir=${this.dataDir}`,
      `--port=${this.port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(this.dir, 'mysqld.sock')}`,
      `--pid-file=${join(this.dir, 'mysqld.pid')}`,
      '--user=root',
      '--skip-name-resolve',
      '--character-set-server=utf8mb4',
      '--collation-server=utf8mb4_unicode_ci',
      '--innodb-buffer-pool-dump-at-shutdown=OFF',
      '--innodb-buffer-pool-load-at-startup=OFF',
      ...SERVER_OPTIONS,
    ];
    // Without --log-error the server logs to stderr, which OwnedProcess keeps for failure messages.
    const server = OwnedProcess.spawn(`mariadbd on ${this.port}`, MARIADBD, args, { cwd: this.dir });
    this.server = server;
    try {
      await waitUntilReady(`private MariaDB on ${this.port} accepting queries`, server, () => this.query('SELECT 1').then(() => true), {
        timeoutMs: READY_TIMEOUT_MS,
        intervalMs: 100,
      });
    } catch (error) {
      await server.stop(STOP_GRACE_MS);
      throw error;
    }
  }

  /** SIGTERM (clean InnoDB shutdown), SIGKILL after 20 s; resolves once it has exited. No-op while stopped. */
  async stop(): Promise<void> {
    await this.server?.stop(STOP_GRACE_MS);
  }

  /**
   * SIGSTOP: the server stays up but stops answering, like a hung host. The
   * kernel still completes TCP handshakes into the listen backlog, so
   * clients connect and then time out. No-op while stopped.
   */
  freeze(): void {
    this.server?.kill('SIGSTOP');
  }

  /** SIGCONT: a frozen server answers again (queued requests first). */
  thaw(): void {
    this.server?.kill('SIGCONT');
  }

  /** SIGKILL, as a crash; resolves once it has exited. No-op while stopped. */
  async kill(): Promise<void> {
    this.server?.kill('SIGKILL');
    await this.server?.exited;
  }

  /** Stops the server and deletes its data directory; safe to call more than once. */
  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  /** The server's output so far (its error log), for diagnostics. */
  output(): string {
    return this.server?.output() ?? '';
  }

  /** Runs one statement as root on a fresh connection (no database selected). */
  async query(sql: string): Promise<unknown> {
    const connection = await createConnection({ host: '127.0.0.1', port: this.port, user: 'root', connectTimeout: 2_000 });
    try {
      const [rows] = await connection.query(sql);
      return rows;
    } finally {
      await connection.end();
    }
  }
}

/**
 * Creates a fresh data directory (about 1 s; no template cache needed) and
 * starts a private `mariadbd` on a free 127.0.0.1 port with the database
 * `herald`. Call `dispose()` in `afterAll`; if the test process dies first,
 * the kernel kills the server with it (the directory stays in the temp dir).
 */
export function startPrivateMariaDb(): Promise<PrivateMariaDb> {
  return PrivateMariaDb.create();
}

/** `mariadb-install-db` with root reachable without a password over TCP ('root'@'127.0.0.1'). */
async function install(dataDir: string): Promise<void> {
  const args = ['--no-defaults', '--auth-root-authentication-method=normal', `--datadir=${dataDir}`, '--user=root', '--skip-test-db', ...SERVER_OPTIONS];
  const installer = OwnedProcess.spawn('mariadb-install-db', 'mariadb-install-db', args);
  const status = await installer.waitForExit(INSTALL_TIMEOUT_MS);
  if (status.code !== 0) throw new Error(`installing a MariaDB data directory failed: ${installer.describe()}`);
}
