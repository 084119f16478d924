import { Writable } from 'node:stream';

/** One JSON log line as pino writes it under `LOG_FORMAT=json`. */
export type LogLine = Record<string, any>;

/** A log destination (`AppOptions.logDestination`) that keeps everything written to it. */
export class LogCapture extends Writable {
  private written = '';

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.written += chunk.toString();
    done();
  }

  /** Everything written so far. */
  get text(): string {
    return this.written;
  }

  /** The complete lines written so far, each parsed as JSON; throws on a line that is not. */
  json(): LogLine[] {
    return this.written
      .split('\n')
      .slice(0, -1)
      .map((line) => {
        try {
          return JSON.parse(line) as LogLine;
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error;
          throw new Error(`log line is not JSON: ${line}`, { cause: error });
        }
      });
  }
}
