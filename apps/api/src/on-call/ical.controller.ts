import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { FeedQuery, RPC, type FeedView } from '@tocsin/contracts';
import { HttpError } from '@tocsin/platform';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/roles.decorator';
import { RpcGateway } from '../gateway/rpc.gateway';
import { sendCalendar } from './calendar-reply';

/** A feed token as schedules hand them out (256 bits, base64url), optionally followed by `.ics`. */
const FEED_TOKEN = /^([A-Za-z0-9_-]{43})(\.ics)?$/;

/**
 * Schedule feeds for calendar apps, which send no headers: the token in the URL is the credential.
 * A token that is no schedule's, or not a token at all, is a 404.
 */
@Controller('ical')
@Public()
export class IcalController {
  constructor(private readonly gateway: RpcGateway) {}

  /**
   * A schedule's shifts as an iCalendar feed, for calendar apps; the token in the URL is the key.
   * @produces text/calendar
   */
  @Get(':token')
  async feed(
    @Param('token') param: string,
    @Query() query: FeedQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const token = FEED_TOKEN.exec(param)?.[1];
    if (!token) throw new HttpError(404, 'no schedule feed has this token');
    const feed = await this.gateway.call<FeedView>(RPC.notifier.scheduleFeedByToken, { ...query, token });
    return sendCalendar(reply, feed);
  }
}
