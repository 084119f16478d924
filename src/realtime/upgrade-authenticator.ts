import { IncomingMessage } from 'node:http';
import { Logger } from '@nestjs/common';
import { bearerTokenOf } from '../auth/bearer-token';
import { Principal } from '../auth/principal';
import { InvalidTokenError, TokenRules } from '../auth/token-rules';
import { isRecordCursor } from '../common/record-id';
import { ACCESS_TOKEN_PARAM, RESUME_PARAM } from './protocol';

/** Outcome of checking an upgrade request. */
export type UpgradeDecision = { ok: true; principal: Principal } | { ok: false; status: 400 | 401 | 403; reason: string };

const principals = new WeakMap<IncomingMessage, Principal>();
const resumeCursors = new WeakMap<IncomingMessage, string>();

/** The principal the upgrade check attached to an accepted request. */
export function principalOf(request: IncomingMessage): Principal | undefined {
  return principals.get(request);
}

/** The `since` cursor of an accepted request, when it asked to resume. */
export function resumeCursorOf(request: IncomingMessage): string | undefined {
  return resumeCursors.get(request);
}

/**
 * Decides every WebSocket upgrade before a socket exists: the Origin
 * (403 when a browser origin is not allowed), then the bearer token from
 * `Authorization: Bearer` (RFC 6750 2.1, the parser REST uses) or
 * `?access_token=` (RFC 6750 2.3), verified by the shared `TokenRules`
 * (401 when missing or invalid). An optional `?since=<notification id>`
 * asks for a resume (400 when it is not a decimal id).
 */
export class UpgradeAuthenticator {
  private readonly logger = new Logger('UpgradeAuthenticator');

  constructor(
    private readonly rules: TokenRules,
    /** Allowed browser origins; null means the service's own origin only. */
    private readonly allowedOrigins: readonly string[] | null,
  ) {}

  async decide(request: IncomingMessage): Promise<UpgradeDecision> {
    const origin = request.headers.origin;
    if (origin !== undefined && !this.isOriginAllowed(origin, request.headers.host)) {
      return { ok: false, status: 403, reason: 'origin not allowed' };
    }
    const url = new URL(request.url ?? '/', 'http://placeholder');
    const queryTokens = url.searchParams.getAll(ACCESS_TOKEN_PARAM);
    const header = request.headers.authorization;
    if (header !== undefined && queryTokens.length > 0) {
      return { ok: false, status: 400, reason: 'token sent by more than one method (RFC 6750 section 2)' };
    }
    if (queryTokens.length > 1) return { ok: false, status: 400, reason: 'more than one access_token' };
    const since = url.searchParams.getAll(RESUME_PARAM);
    if (since.length > 1 || (since.length === 1 && !isRecordCursor(since[0]))) {
      return { ok: false, status: 400, reason: 'since must be one notification id (a decimal string)' };
    }
    let token: string | undefined = queryTokens[0];
    if (header !== undefined) {
      const bearer = bearerTokenOf(header);
      if (bearer === null) return { ok: false, status: 401, reason: 'malformed Authorization header' };
      token = bearer;
    }
    if (!token) return { ok: false, status: 401, reason: 'no access token' };
    try {
      const principal = await this.rules.verify(token);
      principals.set(request, principal);
      if (since.length === 1) resumeCursors.set(request, since[0]);
      return { ok: true, principal };
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      this.logger.debug(`upgrade refused: ${error.message}`);
      return { ok: false, status: 401, reason: 'invalid access token' };
    }
  }

  private isOriginAllowed(origin: string, host: string | undefined): boolean {
    if (this.allowedOrigins !== null) return this.allowedOrigins.includes(origin);
    // Same origin: the Origin's host:port is the Host the client connected to.
    if (!URL.canParse(origin)) return false;
    const parsed = new URL(origin);
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.host === host?.toLowerCase();
  }
}
