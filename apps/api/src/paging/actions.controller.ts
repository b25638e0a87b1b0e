import { Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiSettings } from '@tocsin/config';
import { RPC, type ActionView, type SmsReplyView } from '@tocsin/contracts';
import { HttpError } from '@tocsin/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/roles.decorator';
import { RpcGateway } from '../gateway/rpc.gateway';
import { confirmPage, donePage, problemPage, twimlMessage } from './pages';

const TOKEN = /^[A-Za-z0-9_-]{1,80}\.[A-Za-z0-9_-]{1,40}$/;

/**
 * What people reach from a page without logging in: the acknowledge and resolve links (a GET
 * shows what the link does, a POST does it) and Twilio's inbound-SMS webhook for replies. These
 * routes check the link's signature or Twilio's, not an api key.
 */
@Controller('v1')
@Public()
export class ActionsController {
  constructor(
    private readonly gateway: RpcGateway,
    private readonly settings: ApiSettings,
  ) {}

  /**
   * A page asking to confirm the action a link in a page stands for (acknowledge, escalate, resolve).
   * @produces text/html
   */
  @Get('actions/:token')
  async confirm(@Param('token') token: string, @Res() reply: FastifyReply): Promise<void> {
    await this.html(reply, token, async () =>
      confirmPage(await this.gateway.call<ActionView>(RPC.notifier.describeAction, { token }), token),
    );
  }

  /**
   * Performs the action of a link from a page, and says what became of it.
   * @produces text/html
   */
  @Post('actions/:token')
  async perform(@Param('token') token: string, @Res() reply: FastifyReply): Promise<void> {
    await this.html(reply, token, async () =>
      donePage(await this.gateway.call<ActionView>(RPC.notifier.performAction, { token })),
    );
  }

  /**
   * An SMS reply to a page, from Twilio (form body, `X-Twilio-Signature` checked). Set this URL (under
   * TOCSIN_API_URL) as the number's "A message comes in" webhook in Twilio.
   * @produces text/xml
   */
  @Post('providers/twilio/sms')
  @HttpCode(200)
  async sms(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const params = request.body;
    if (!isForm(params))
      throw new HttpError(400, 'expected an application/x-www-form-urlencoded body, as Twilio sends');
    const signature = request.headers['x-twilio-signature'];
    const answer = await this.gateway.call<SmsReplyView>(RPC.notifier.smsReply, {
      url: new URL('/v1/providers/twilio/sms', this.settings.TOCSIN_API_URL).toString(),
      params,
      signature: typeof signature === 'string' ? signature : '',
    });
    void reply.header('content-type', 'text/xml; charset=utf-8');
    return twimlMessage(answer.message);
  }

  private async html(reply: FastifyReply, token: string, render: () => Promise<string>): Promise<void> {
    void reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store');
    if (!TOKEN.test(token)) {
      await reply.status(404).send(problemPage(404, 'This link is not one Tocsin made.'));
      return;
    }
    try {
      await reply.status(200).send(await render());
    } catch (error) {
      if (error instanceof HttpError) {
        const status = error.getStatus();
        await reply.status(status).send(problemPage(status, error.message));
        return;
      }
      throw error;
    }
  }
}

function isForm(body: unknown): body is Record<string, string> {
  return (
    typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body) &&
    Object.values(body).every((v) => typeof v === 'string')
  );
}
