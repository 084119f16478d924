import { clearLine, createInterface, cursorTo, Interface } from 'node:readline';
import { Readable, Writable } from 'node:stream';
import { RawData } from 'ws';
import { isRecordId } from '../common/record-id';
import { ClientEvent, ErrorCode, ServerEvent } from '../realtime/protocol';
import { MAX_ROOM_TEXT } from '../rooms/room-name';
import { BackoffOptions } from './terminal-backoff';
import { TerminalConnection } from './terminal-connection';
import { eventLine, joinedLine, line, roomMessageLine, sanitize } from './terminal-format';
import { NotificationCursor, RecentIds } from './terminal-ids';
import { TerminalRoom } from './terminal-room';
import { DevTokenRequest, expiresIn, TerminalToken } from './terminal-token';

/** How long input end waits for queued lines to be sent and echoed back, in ms. */
const DRAIN_TIMEOUT_MS = 10_000;

export const HELP = [
  'commands:',
  '  /join <room>  leave the current room and join <room> (1-64 of A-Z a-z 0-9 _ . -)',
  '  /leave        leave the current room',
  '  /quit         close the connection and exit (also Ctrl-D, Ctrl-C)',
  '  /help         this list',
  '  //text        send a line that starts with "/"',
  `any other line is sent to the current room (1-${MAX_ROOM_TEXT} characters)`,
];

export interface TerminalClientOptions {
  /** `ws://` or `wss://` URL of Herald's `/ws`. */
  url: string;
  /** Access token (JWT), sent as `Authorization: Bearer` (RFC 6750 section 2.1); it cannot be renewed. Either this or `devToken`. */
  token?: string;
  /** Mint the token from the server's `POST /auth/dev-token`, and mint a new one on every `auth.expiring`. */
  devToken?: DevTokenRequest;
  /** Typed lines (stdin); without it the client only listens, until `stop()`. */
  input?: Readable;
  /** Where events are printed, one line each. */
  output: Writable;
  /** Where connection state, hints and local errors go (default `output`). */
  status?: Writable;
  /** Room to join after every `ready`. */
  room?: string;
  /** Resume after this notification id on the first connection (`?since=`). */
  since?: string;
  /** Print every frame as received (one JSON per line) instead of readable lines. */
  json?: boolean;
  /** Show a prompt and redraw it around printed lines (default: `output` is a TTY and not `json`). */
  prompt?: boolean;
  /** Reconnect delays (default 0.5 s doubling to 10 s, with jitter). */
  backoff?: BackoffOptions;
}

/**
 * An interactive Herald client for a terminal: one socket to `/ws` that it
 * reconnects with backoff (resuming after the last notification id), every
 * server event printed as a line, and typed lines sent to the current room.
 * `run()` resolves with the process exit code: 0 after `/quit`, input end
 * or `stop()`; 1 when the server refuses the token or it expires.
 */
export class TerminalClient {
  private readonly cursor: NotificationCursor;
  private readonly roomMessages = new RecentIds();
  private readonly connection: TerminalConnection;
  private readonly room: TerminalRoom;
  private readonly status: Writable;
  private readonly prompt: boolean;
  private readonly exited: Promise<number>;
  private resolveExit!: (code: number) => void;
  private rl?: Interface;
  private drainTimer?: NodeJS.Timeout;
  private user?: string;
  private inputEnded = false;
  /** Whether any connection got as far as `ready` (so the token works). */
  private everReady = false;
  private stopping = false;
  private exitCode = 0;
  private token?: TerminalToken;
  /** A renewed token sent in `auth.refresh`, adopted once `auth.refreshed` confirms it. */
  private pendingToken?: string;
  /** Whether the session's expiry was printed yet (once per run, for a token that cannot be renewed). */
  private expiryShown = false;

  constructor(private readonly options: TerminalClientOptions) {
    if ((options.token === undefined) === (options.devToken === undefined)) throw new Error('give either token or devToken');
    if (options.token !== undefined) this.token = TerminalToken.given(options.token);
    this.cursor = new NotificationCursor(options.since);
    this.connection = new TerminalConnection(
      { url: options.url, token: () => this.token?.current ?? '', since: () => this.cursor.last, backoff: options.backoff },
      {
        frame: (raw, isBinary) => this.onFrame(raw, isBinary),
        state: (text) => this.info(text),
        dropped: () => this.room.dropped(),
        fatal: (reason) => this.quit(1, reason),
        closed: () => this.resolveExit(this.exitCode),
      },
    );
    this.status = options.status ?? options.output;
    this.prompt = options.prompt ?? (!options.json && (options.output as Writable & { isTTY?: boolean }).isTTY === true);
    this.room = new TerminalRoom(options.room, {
      send: (event, data) => this.connection.send(JSON.stringify({ event, data })),
      info: (text) => this.info(text),
      changed: () => this.rl?.setPrompt(this.promptText()),
      idle: () => this.drained(),
    });
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
  }

  /** Connects and runs until quit; resolves with the exit code. */
  run(): Promise<number> {
    const { input, output } = this.options;
    if (input) {
      this.rl = createInterface({ input, output: this.prompt ? output : undefined, terminal: this.prompt, prompt: this.promptText() });
      this.rl.on('line', (text) => this.onLine(text));
      this.rl.on('close', () => this.onInputEnd());
      this.rl.on('SIGINT', () => this.stop());
    }
    void this.start();
    return this.exited;
  }

  private async start(): Promise<void> {
    const { devToken } = this.options;
    if (devToken && !this.token) {
      try {
        this.token = await TerminalToken.devToken(this.options.url, devToken);
      } catch (error) {
        return this.quit(1, `could not get a dev token: ${(error as Error).message}`);
      }
      if (this.stopping) return;
    }
    this.info(`connecting to ${displayUrl(this.options.url)}`);
    this.connection.connect();
  }

  /** Closes the connection and makes `run()` resolve with 0 (SIGINT, SIGTERM). */
  stop(): void {
    this.quit(0);
  }

  private onFrame(raw: RawData, isBinary: boolean): void {
    const text = (Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as Buffer)).toString('utf8');
    const frame = isBinary ? undefined : parseFrame(text);
    if (!frame) return this.info(`unreadable frame from the server: ${text.slice(0, 200)}`);
    const { event, data } = frame;
    const id = idOf(data);
    if (event === ServerEvent.Notification && id !== undefined && !this.cursor.accept(id)) return;
    if (event === ServerEvent.RoomMessage && id !== undefined && !this.roomMessages.add(id)) return;
    if (this.options.json) this.print(text);
    const show = (text: string) => !this.options.json && this.print(text);
    switch (event) {
      case ServerEvent.Ready:
        this.everReady = true;
        this.user = typeof data.user === 'string' ? data.user : undefined;
        this.connection.succeeded();
        this.info(`connected as ${this.user ?? '?'}`);
        if (!this.room.name && this.prompt) this.info('type /join <room> to chat, /help for the commands');
        this.room.connected();
        this.showExpiry();
        return this.drained();
      case ServerEvent.AuthExpiring:
        return this.onExpiring(data.exp);
      case ServerEvent.AuthRefreshed:
        return this.onRefreshed(data.exp);
      case ServerEvent.RoomJoined:
        for (const message of Array.isArray(data.history) ? data.history : []) {
          const messageId = idOf(message);
          if (messageId === undefined || this.roomMessages.add(messageId)) show(roomMessageLine(message));
        }
        show(joinedLine(data));
        return this.room.onJoined(data.room);
      case ServerEvent.RoomMessage:
        show(eventLine(event, data));
        return this.room.onMessage(data, this.user);
      case ServerEvent.Error:
        show(eventLine(event, data));
        // invalid_token answers auth.refresh, not a room.send.
        if (data.code === ErrorCode.InvalidToken) return void (this.pendingToken = undefined);
        return this.room.onError();
      case ServerEvent.RoomPresence:
        // The server tells a joiner about itself too; `joined <room>` already says so.
        if (data.user !== this.user) show(eventLine(event, data));
        return;
      default:
        show(eventLine(event, data));
    }
  }

  /** A token given with `--token` cannot be renewed here: say once when the session ends. */
  private showExpiry(): void {
    const exp = this.token?.expiresAt;
    if (this.expiryShown || this.token?.renewable !== false || typeof exp !== 'number') return;
    this.expiryShown = true;
    this.info(`session expires in ${expiresIn(exp)}`);
  }

  /** `auth.expiring`: a dev-token session mints a new token and sends `auth.refresh`; a given token can only be replaced by starting again. */
  private onExpiring(exp: unknown): void {
    const when = typeof exp === 'number' ? expiresIn(exp) : 'soon';
    if (!this.token?.renewable) return this.info(`session expires in ${when}: this token cannot be renewed here; start again with a fresh one`);
    this.token.renew().then(
      (fresh) => {
        this.pendingToken = fresh;
        if (!this.connection.send(JSON.stringify({ event: ClientEvent.AuthRefresh, data: { token: fresh } }))) this.pendingToken = undefined;
      },
      (error: unknown) => this.info(`session expires in ${when}: renewing the token failed: ${(error as Error).message}`),
    );
  }

  /** `auth.refreshed`: the server took the new token; reconnects use it from now on. */
  private onRefreshed(exp: unknown): void {
    if (this.pendingToken) this.token?.adopt(this.pendingToken);
    this.pendingToken = undefined;
    this.info(`token renewed; session expires in ${typeof exp === 'number' ? expiresIn(exp) : '?'}`);
  }

  private onLine(typed: string): void {
    if (this.stopping) return;
    const text = typed.replace(/\r$/, '');
    if (text.trim() === '') return void this.rl?.prompt();
    if (text.startsWith('/') && !text.startsWith('//')) return this.command(text);
    this.room.say(text.startsWith('//') ? text.slice(1) : text);
  }

  private command(text: string): void {
    const [name, ...args] = text.slice(1).trim().split(/\s+/);
    switch (name) {
      case 'help':
        return HELP.forEach((help) => this.print(help, this.status));
      case 'quit':
      case 'exit':
        return this.quit(0);
      case 'leave':
        if (!this.room.name) return this.info('not in a room');
        this.info(`left ${this.room.name}`);
        return this.room.leave();
      case 'join':
        return this.room.join(args.length === 1 ? args[0] : undefined);
      default:
        return this.info(`unknown command /${name}; /help lists the commands`);
    }
  }

  private onInputEnd(): void {
    if (this.stopping) return;
    this.inputEnded = true;
    const waiting = this.room.waiting;
    if (waiting > 0) this.info(`input ended; exiting once ${count(waiting, 'line')} sent`);
    this.drainTimer = setTimeout(() => this.quit(1, `gave up after ${DRAIN_TIMEOUT_MS / 1000} s`), DRAIN_TIMEOUT_MS);
    this.drained();
  }

  /**
   * After input ended, exits once nothing waits to be sent or confirmed, and
   * not before a first `ready` (so a refused token still reports and exits 1).
   */
  private drained(): void {
    if (this.inputEnded && this.everReady && this.room.waiting === 0) this.quit(0);
  }

  private quit(code: number, message?: string): void {
    if (this.stopping) return;
    if (message) this.info(message);
    const unsent = this.room.waiting;
    if (unsent > 0) this.info(`${count(unsent, 'line')} not sent or not confirmed`);
    this.stopping = true;
    this.exitCode = code;
    clearTimeout(this.drainTimer);
    if (this.prompt && this.rl) {
      clearLine(this.options.output, 0);
      cursorTo(this.options.output, 0);
    }
    this.rl?.close();
    this.connection.close();
  }

  /** Prints a state change, hint or local error, stamped. */
  private info(text: string): void {
    this.print(line(text), this.status);
  }

  /** Prints one line, keeping the prompt and the half-typed input below it. */
  private print(text: string, stream: Writable = this.options.output): void {
    const redraw = this.prompt && this.rl !== undefined && !this.stopping;
    if (redraw) {
      clearLine(this.options.output, 0);
      cursorTo(this.options.output, 0);
    }
    stream.write(`${text}\n`);
    if (redraw) this.rl?.prompt(true);
  }

  private promptText(): string {
    return `${this.room.name ?? ''}> `;
  }
}

function parseFrame(text: string): { event: string; data: Record<string, unknown> } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
  const { event, data } = (typeof value === 'object' && value !== null ? value : {}) as { event?: unknown; data?: unknown };
  if (typeof event !== 'string') return undefined;
  return { event, data: typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {} };
}

function idOf(value: unknown): string | undefined {
  const id = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
  return isRecordId(id) ? id : undefined;
}

/** The URL without credentials, for printing. */
function displayUrl(raw: string): string {
  const url = new URL(raw);
  if (url.password) url.password = '***';
  if (url.searchParams.has('access_token')) url.searchParams.set('access_token', '***');
  return sanitize(url.toString());
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
