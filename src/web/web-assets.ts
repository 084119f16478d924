import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { FastifyReply, FastifyRequest } from 'fastify';
import { securityHeaders } from './security-headers';

/** A static file held in memory: the pages are a few KiB and served on every visit. */
interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  /** Strong validator (RFC 9110 section 8.8.3) of the body. */
  readonly etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * The folder of the web client. Under ts-jest it is `src/web/public`
 * beside this file; compiled into `dist/src/web/` it is not (tsc copies no
 * assets), so it is found in the package's `src/web/public`.
 */
export function webPublicDir(from: string = __dirname): string {
  const beside = join(from, 'public');
  if (existsSync(beside)) return beside;
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'src', 'web', 'public');
    if (dirname(dir) === dir) throw new Error(`web client files not found near ${from}`);
  }
}

/**
 * Every file of the web client, read once at boot (a missing folder stops
 * start-up rather than serving 404s), served with an ETag, `no-cache` (so
 * an upgraded server is picked up at once, at the cost of a 304) and the
 * security headers.
 */
export class WebAssets {
  private readonly assets = new Map<string, Asset>();

  constructor(root: string = webPublicDir()) {
    for (const file of listFiles(root)) {
      const contentType = CONTENT_TYPES[extname(file)];
      if (!contentType) continue;
      const body = readFileSync(file);
      const name = relative(root, file).split(sep).join('/');
      this.assets.set(name, { body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` });
    }
  }

  /** Whether `name` (a path relative to the folder, `/`-separated) is served. */
  has(name: string): boolean {
    return this.assets.has(name);
  }

  /** Sends `name` with `status`, or 304 when the client's copy is current. */
  send(request: FastifyRequest, reply: FastifyReply, name: string, status = 200): void {
    const asset = this.assets.get(name);
    if (!asset) throw new Error(`unknown web asset ${name}`);
    reply.headers({
      ...securityHeaders(request.headers.host),
      'Content-Type': asset.contentType,
      'Cache-Control': 'no-cache',
      ETag: asset.etag,
    });
    if (status === 200 && request.headers['if-none-match'] === asset.etag) {
      reply.code(304).send();
      return;
    }
    reply.code(status).send(asset.body);
  }
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}
