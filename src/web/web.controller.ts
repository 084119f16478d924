import { Controller, Get, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/auth.decorators';
import { isRoomName } from '../rooms/room-name';
import { WebAssets } from './web-assets';

/**
 * The web pages and their assets. Public: a page holds no data until its
 * script calls the API with the tab's token. Not rate limited, like
 * `/health`: they are static files served from memory.
 *
 * Pages live at directory URLs (`/chat/`, `/admin/`); the slash-less form
 * is redirected (308) so relative links behave, keeping the query (and
 * the browser keeps the `#access_token=` fragment across the redirect).
 */
@ApiExcludeController()
@Controller()
@Public()
@SkipThrottle()
export class WebController {
  constructor(private readonly assets: WebAssets) {}

  /** The inbox: sign in, category tabs with unread badges, live feed, read/seen/archive/delete. */
  @Get()
  inbox(@Req() request: FastifyRequest, @Res() response: FastifyReply): void {
    this.assets.send(request, response, 'index.html');
  }

  /** Pick a room. */
  @Get('chat')
  chat(@Req() request: FastifyRequest, @Res() response: FastifyReply): void {
    if (redirectedToSlash(request, response, '/chat/')) return;
    this.assets.send(request, response, 'chat.html');
  }

  /** One room; 404 for a name outside `^[A-Za-z0-9_.-]{1,64}$`. */
  @Get('chat/:room')
  room(@Param('room') room: string, @Req() request: FastifyRequest, @Res() response: FastifyReply): void {
    if (!isRoomName(room)) return this.assets.send(request, response, 'not-found.html', 404);
    if (redirectedToSlash(request, response, `/chat/${room}/`)) return;
    this.assets.send(request, response, 'room.html');
  }

  /** Compose broadcasts and targeted notifications (admins). */
  @Get('admin')
  admin(@Req() request: FastifyRequest, @Res() response: FastifyReply): void {
    if (redirectedToSlash(request, response, '/admin/')) return;
    this.assets.send(request, response, 'admin.html');
  }

  /** Scripts, styles and icons of the pages. */
  @Get('assets/:name')
  asset(@Param('name') name: string, @Req() request: FastifyRequest, @Res() response: FastifyReply): void {
    if (!this.assets.has(`assets/${name}`)) throw new NotFoundException(`Cannot GET ${pathOf(request)}`);
    this.assets.send(request, response, `assets/${name}`);
  }
}

/** Redirects `/chat` to `canonical` (`/chat/`); the target is built from known parts, never from the request path. */
function redirectedToSlash(request: FastifyRequest, response: FastifyReply, canonical: string): boolean {
  if (pathOf(request).endsWith('/')) return false;
  const at = request.url.indexOf('?');
  void response.redirect(canonical + (at === -1 ? '' : request.url.slice(at)), 308);
  return true;
}

/** The request's path, without the query. */
function pathOf(request: FastifyRequest): string {
  const at = request.url.indexOf('?');
  return at === -1 ? request.url : request.url.slice(0, at);
}
