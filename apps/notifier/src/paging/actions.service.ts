import { createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { NotifierSettings } from '@tocsin/config';
import {
  RPC,
  type ActionView,
  type IncidentDetailView,
  type IncidentSnapshotV1,
  type SmsReplyRequest,
  type SmsReplyView,
} from '@tocsin/contracts';
import { RpcClient, RpcFailure } from '@tocsin/messaging';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { User } from '../people/people.entities';
import { ActionLinks, type LinkAction } from './action-links';
import { PagingService } from './paging.service';

/** `1a`, `12 c`, `3E`: a reply code and what to do. */
const REPLY = /^\s*(\d{1,3})\s*([ace])\b/i;

/**
 * People acting on an incident from a page: through a signed link, or by answering an SMS
 * (`<code>a` acknowledges, `<code>c` resolves, `<code>e` escalates to the next step now). The
 * acknowledge and resolve go to incident-state, as if done in the api, under the person's name.
 */
@Injectable()
export class ActionsService {
  constructor(
    private readonly links: ActionLinks,
    private readonly rpc: RpcClient,
    private readonly dataSource: DataSource,
    private readonly paging: PagingService,
    private readonly settings: NotifierSettings,
    private readonly logger: PinoLogger,
  ) {}

  async describe(token: string): Promise<ActionView> {
    const claims = await this.links.verify(token);
    const incident = await this.incident(claims.incidentId);
    return {
      action: claims.action,
      incident: { id: incident.id, number: incident.number, title: incident.title, status: incident.status },
      userName: await this.userName(claims.userId),
      expiresAt: new Date(claims.expiresAt).toISOString(),
    };
  }

  async perform(token: string): Promise<ActionView> {
    const claims = await this.links.verify(token);
    const userName = await this.userName(claims.userId);
    const incident = await this.act(claims.action, claims.incidentId, userName, 'link');
    return {
      action: claims.action,
      incident: { id: incident.id, number: incident.number, title: incident.title, status: incident.status },
      userName,
      expiresAt: new Date(claims.expiresAt).toISOString(),
    };
  }

  /** An SMS reply through Twilio's inbound-message webhook; answers what to text back. */
  async smsReply(request: SmsReplyRequest): Promise<SmsReplyView> {
    this.checkTwilioSignature(request);
    const from = request.params['From'] ?? '';
    const match = REPLY.exec(request.params['Body'] ?? '');
    if (!match)
      return {
        message:
          'Tocsin: reply with the code of a page and a, c or e (1a acknowledges, 1c resolves, 1e escalates).',
      };
    const [, code, letter] = match as unknown as [string, string, string];
    const rows: { incident_id: string; incident: IncidentSnapshotV1; user_id: string }[] =
      await this.dataSource.query(
        `SELECT "incident_id", "incident", "user_id" FROM "notifier"."deliveries"
       WHERE "address" = $1 AND "reply_code" = $2 AND "channel" = 'sms'
       ORDER BY "created_at" DESC LIMIT 1`,
        [from, code],
      );
    const page = rows[0];
    if (!page) return { message: `Tocsin: no page to this number has the code ${code}.` };
    const headline = `#${page.incident.number} ${page.incident.title.slice(0, 80)}`;
    const userName = await this.userName(page.user_id);
    this.logger.info({ incidentId: page.incident_id, reply: letter.toLowerCase() }, 'SMS reply to a page');
    if (letter.toLowerCase() === 'e') {
      const moved = await this.paging.escalateNow(page.incident_id);
      return {
        message: moved
          ? `Tocsin: escalated ${headline} to the next step.`
          : `Tocsin: ${headline} is not escalating.`,
      };
    }
    const action: LinkAction = letter.toLowerCase() === 'a' ? 'acknowledge' : 'resolve';
    try {
      await this.act(action, page.incident_id, userName, 'sms');
    } catch (error) {
      if (error instanceof RpcFailure && error.status === 409) return { message: `Tocsin: ${error.message}` };
      throw error;
    }
    return { message: `Tocsin: ${action === 'acknowledge' ? 'acknowledged' : 'resolved'} ${headline}.` };
  }

  /**
   * Twilio signs each webhook: base64 HMAC-SHA1, keyed with the auth token, of the URL followed
   * by every form field's name and value, sorted by name. Compared in constant time.
   */
  private checkTwilioSignature(request: SmsReplyRequest): void {
    const token = this.settings.TWILIO_AUTH_TOKEN;
    if (!token) throw new RpcFailure(403, 'forbidden', 'SMS replies are off: TWILIO_AUTH_TOKEN is not set');
    const signed =
      request.url +
      Object.keys(request.params)
        .sort()
        .map((name) => `${name}${request.params[name] ?? ''}`)
        .join('');
    const expected = Buffer.from(createHmac('sha1', token).update(signed, 'utf8').digest('base64'));
    const given = Buffer.from(request.signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new RpcFailure(403, 'forbidden', 'the X-Twilio-Signature does not match this request');
    }
  }

  private async act(
    action: LinkAction,
    incidentId: string,
    actor: string,
    via: 'link' | 'sms',
  ): Promise<IncidentDetailView> {
    const reply = await this.rpc.request(
      action === 'acknowledge' ? RPC.incidentState.acknowledgeIncident : RPC.incidentState.resolveIncident,
      { id: incidentId, actor, via },
    );
    if (!reply.ok) throw new RpcFailure(reply.error.status, reply.error.code, reply.error.message);
    return reply.data as IncidentDetailView;
  }

  private async incident(id: string): Promise<IncidentDetailView> {
    const reply = await this.rpc.request(RPC.incidentState.getIncident, { id });
    if (!reply.ok) throw new RpcFailure(reply.error.status, reply.error.code, reply.error.message);
    return reply.data as IncidentDetailView;
  }

  private async userName(id: string): Promise<string> {
    const user = await this.dataSource.getRepository(User).findOneBy({ id });
    return user?.name ?? `user ${id}`;
  }
}
