import { Injectable, Logger } from '@nestjs/common';
import { WsException } from '@nestjs/websockets';
import WebSocket from 'ws';
import { Principal } from '../auth/principal';
import { InvalidTokenError, TokenRules } from '../auth/token-rules';
import { Connection } from './connection';
import { encodeFrame, ErrorCode, ServerEvent } from './protocol';

/**
 * `auth.refresh {token}`: a live socket takes a fresh token without
 * reconnecting. The token is verified by the same `TokenRules` as the
 * upgrade and must name the socket's own `sub`.
 */
@Injectable()
export class TokenRefreshService {
  private readonly logger = new Logger(TokenRefreshService.name);

  constructor(private readonly rules: TokenRules) {}

  /**
   * Moves the socket's expiry to the token's `exp` and replies
   * `auth.refreshed {exp}`.
   * @throws WsException `invalid_token` when the token does not verify or
   *   names another user; the socket's expiry is left as it was.
   */
  async refresh(connection: Connection, token: string): Promise<void> {
    let principal: Principal;
    try {
      principal = await this.rules.verify(token);
    } catch (error) {
      if (!(error instanceof InvalidTokenError)) throw error;
      this.logger.debug(`auth.refresh refused for ${connection.principal.sub}: ${error.message}`);
      throw new WsException({ code: ErrorCode.InvalidToken, message: 'the token is invalid or expired' });
    }
    if (principal.sub !== connection.principal.sub) {
      throw new WsException({ code: ErrorCode.InvalidToken, message: "the token is for another user than this socket's" });
    }
    // The socket may have expired or closed while the token was being verified.
    if (connection.socket.readyState !== WebSocket.OPEN || connection.expired) return;
    connection.expiry.extend(principal);
    connection.send(encodeFrame(ServerEvent.AuthRefreshed, { exp: principal.expiresAt }));
  }
}
