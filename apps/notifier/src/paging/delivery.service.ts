import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import {
  NotificationResult,
  SUBJECTS,
  type ContactKind,
  type IncidentSnapshotV1,
  type NoticeKind,
} from '@tocsin/contracts';
import { JetStreamPublisher } from '@tocsin/messaging';
import { NotifierSettings } from '@tocsin/config';
import { PeriodicTask } from '@tocsin/platform';
import { PinoLogger } from 'nestjs-pino';
import { DataSource } from 'typeorm';
import { ProviderError, type Destination, type Notice } from '../channels/channel';
import { nextAttempt } from '../delivery/backoff';
import type { Verdict } from '../delivery/provider-answer';
import { throttle, throttlesFrom, type ThrottleRule } from '../delivery/throttle';
import { ContactMethod } from '../people/people.entities';
import { ActionLinks } from './action-links';
import { ChannelsService } from './channels.service';
import { PAGING_POLL_MS, PagingService } from './paging.service';

/** A sender that dies mid-send holds its deliveries this long before another replica takes them. */
const LEASE = '2 minutes';
const BATCH = 50;
const SENDING_AT_ONCE = 8;

interface ClaimedRow {
  id: string;
  escalation_id: string | null;
  incident_id: string;
  incident: IncidentSnapshotV1;
  notice: NoticeKind;
  actor: string | null;
  user_id: string;
  contact_method_id: string;
  channel: ContactKind;
  attempts: number;
  reply_code: string | null;
}

interface Context {
  method: Pick<ContactMethod, 'kind' | 'address' | 'secret' | 'subscription' | 'disabledReason'> | null;
  escalationStopped: boolean;
}

type Outcome =
  | { status: 'sent'; providerMessageId: string | null }
  | { status: 'retrying'; at: Date; error: string; attempt: boolean }
  | { status: 'failed' | 'cancelled'; error: string };

/**
 * Sends queued deliveries: claims due rows with SKIP LOCKED (so two replicas never send one
 * message twice), holds them under a lease while the provider answers, and records the result:
 * sent with the provider's id, retrying with backoff after a transient failure, failed for good.
 * A contact method over its throttle waits; one the provider says is gone is turned off.
 */
@Injectable()
export class DeliveryService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task = new PeriodicTask(
    () => this.runDue().then(() => undefined),
    (error) => this.logger.warn({ err: error }, 'delivery run failed; retrying'),
  );

  private readonly throttles: Record<ContactKind, ThrottleRule[]>;

  constructor(
    private readonly dataSource: DataSource,
    settings: NotifierSettings,
    private readonly channels: ChannelsService,
    private readonly links: ActionLinks,
    private readonly publisher: JetStreamPublisher,
    paging: PagingService,
    private readonly logger: PinoLogger,
  ) {
    paging.onQueued(() => this.nudge());
    this.throttles = throttlesFrom(settings.NOTIFIER_THROTTLES);
  }

  onApplicationBootstrap(): void {
    this.task.start(PAGING_POLL_MS, 0);
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }

  /** Sends what is due now (after deliveries were queued); one run at a time. */
  nudge(): void {
    this.task.now();
  }

  /** Sends every due delivery, a batch at a time; answers how many were tried. */
  async runDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const claimed: ClaimedRow[] = await this.dataSource.query(
        `UPDATE "notifier"."deliveries" d SET "status" = 'sending', "lease_until" = now() + interval '${LEASE}',
           "attempts" = d."attempts" + 1
         WHERE d."id" IN (
           SELECT "id" FROM "notifier"."deliveries"
           WHERE ("status" IN ('queued', 'retrying') AND "next_attempt_at" <= now())
              OR ("status" = 'sending' AND "lease_until" < now())
           ORDER BY "next_attempt_at" LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
         RETURNING d."id", d."escalation_id", d."incident_id", d."incident", d."notice", d."actor", d."user_id",
           d."contact_method_id", d."channel", d."attempts", d."reply_code"`,
      );
      // An UPDATE … RETURNING through TypeORM answers [rows, count].
      const rows = (Array.isArray(claimed[0]) ? claimed[0] : claimed) as ClaimedRow[];
      total += rows.length;
      const context = await this.context(rows);
      // A few at a time: each takes database connections around its provider call.
      for (let i = 0; i < rows.length; i += SENDING_AT_ONCE) {
        await Promise.all(
          rows.slice(i, i + SENDING_AT_ONCE).map((row) => this.deliver(row, context.get(row.id))),
        );
      }
      if (rows.length < BATCH) return total;
    }
  }

  /** Each claimed delivery's contact method and whether its escalation was stopped, in one query. */
  private async context(rows: ClaimedRow[]): Promise<Map<string, Context>> {
    if (rows.length === 0) return new Map();
    const found: {
      id: string;
      method_id: string | null;
      kind: ContactKind;
      address: string;
      secret: string | null;
      subscription: ContactMethod['subscription'];
      disabled_reason: string | null;
      escalation_status: string | null;
    }[] = await this.dataSource.query(
      `SELECT d."id", m."id" AS "method_id", m."kind", m."address", m."secret", m."subscription",
         m."disabled_reason", e."status" AS "escalation_status"
       FROM "notifier"."deliveries" d
       LEFT JOIN "notifier"."contact_methods" m ON m."id" = d."contact_method_id"
       LEFT JOIN "notifier"."escalations" e ON e."id" = d."escalation_id"
       WHERE d."id" = ANY($1::uuid[])`,
      [rows.map((r) => r.id)],
    );
    return new Map(
      found.map((f) => [
        f.id,
        {
          method: f.method_id
            ? {
                kind: f.kind,
                address: f.address,
                secret: f.secret,
                subscription: f.subscription,
                disabledReason: f.disabled_reason,
              }
            : null,
          escalationStopped: f.escalation_status === 'stopped',
        },
      ]),
    );
  }

  private async deliver(row: ClaimedRow, context: Context | undefined): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = await this.attempt(row, context);
    } catch (error) {
      outcome = this.failure(row, error);
    }
    // What the provider did must not be lost to a passing database error: a sent message recorded
    // as still sending would go out again when its lease ends.
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.record(row, outcome);
        return;
      } catch (error) {
        if (attempt >= 5) throw error;
        this.logger.warn(
          { err: error, deliveryId: row.id, attempt },
          'could not record a delivery; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
      }
    }
  }

  private async attempt(row: ClaimedRow, context: Context | undefined): Promise<Outcome> {
    const method = context?.method;
    if (!method) return { status: 'failed', error: 'the contact method was deleted' };
    if (method.disabledReason)
      return { status: 'failed', error: `the contact method is off: ${method.disabledReason}` };
    if (row.notice === 'page' && context.escalationStopped) {
      return { status: 'cancelled', error: 'the escalation stopped before this page went out' };
    }
    const now = Date.now();
    const rules = this.throttles[row.channel];
    if (rules.length > 0) {
      const windowMs = Math.max(...rules.map((r) => r.windowMs));
      const recent: { sent_at: Date }[] = await this.dataSource.query(
        `SELECT "sent_at" FROM "notifier"."deliveries"
         WHERE "contact_method_id" = $1 AND "sent_at" > now() - make_interval(secs => $2)`,
        [row.contact_method_id, windowMs / 1000],
      );
      const decision = throttle(
        recent.map((r) => r.sent_at.getTime()),
        now,
        rules,
      );
      if (!decision.allowed) {
        return {
          status: 'retrying',
          at: new Date(decision.retryAt),
          error: `held back by the ${row.channel} throttle of this contact method`,
          attempt: false,
        };
      }
    }
    const destination: Destination = {
      kind: method.kind,
      address: method.address,
      ...(method.secret ? { secret: method.secret } : {}),
      ...(method.subscription ? { subscription: method.subscription } : {}),
    };
    const open = row.notice === 'page';
    const notice: Notice = {
      kind: row.notice,
      incident: row.incident,
      ...(row.actor ? { actor: row.actor } : {}),
      links: open
        ? await this.links.forPage(row.incident_id, row.user_id, now)
        : { view: this.links.view(row.incident_id) },
      ...(row.reply_code ? { replyCode: row.reply_code } : {}),
      deliveryId: row.id,
    };
    const sent = await this.channels.get(row.channel).send(destination, notice);
    return { status: 'sent', providerMessageId: sent.providerMessageId };
  }

  private failure(row: ClaimedRow, error: unknown): Outcome {
    const verdict: Verdict =
      error instanceof ProviderError
        ? error.transient
          ? {
              outcome: 'transient',
              reason: error.message,
              ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
            }
          : { outcome: 'permanent', reason: error.message, ...(error.gone ? { gone: true as const } : {}) }
        : { outcome: 'transient', reason: error instanceof Error ? error.message : String(error) };
    const reason = verdict.reason.slice(0, 1000);
    if (error instanceof ProviderError && error.gone) void this.turnOff(row.contact_method_id, reason);
    const next = nextAttempt({ attempts: row.attempts, verdict, now: Date.now(), random: Math.random });
    if (next.retry) return { status: 'retrying', at: new Date(next.at), error: reason, attempt: true };
    return { status: 'failed', error: reason };
  }

  private async turnOff(contactMethodId: string, reason: string): Promise<void> {
    await this.dataSource
      .query(`UPDATE "notifier"."contact_methods" SET "disabled_reason" = $2 WHERE "id" = $1`, [
        contactMethodId,
        reason,
      ])
      .catch((error: unknown) => this.logger.warn({ err: error }, 'could not turn a contact method off'));
  }

  private async record(row: ClaimedRow, outcome: Outcome): Promise<void> {
    const bindings = {
      incidentId: row.incident_id,
      deliveryId: row.id,
      channel: row.channel,
      attempts: row.attempts,
    };
    switch (outcome.status) {
      case 'sent':
        await this.dataSource.query(
          `UPDATE "notifier"."deliveries" SET "status" = 'sent', "sent_at" = now(), "provider_message_id" = $2,
             "error" = NULL, "lease_until" = NULL WHERE "id" = $1`,
          [row.id, outcome.providerMessageId],
        );
        this.logger.info(bindings, `${row.notice} sent`);
        await this.announce(row, 'sent');
        return;
      case 'retrying':
        await this.dataSource.query(
          `UPDATE "notifier"."deliveries" SET "status" = 'retrying', "next_attempt_at" = $2, "error" = $3,
             "lease_until" = NULL, "attempts" = "attempts" - $4 WHERE "id" = $1`,
          [row.id, outcome.at, outcome.error, outcome.attempt ? 0 : 1],
        );
        this.logger.warn(
          { ...bindings, retryAt: outcome.at, reason: outcome.error },
          `${row.notice} will be retried`,
        );
        return;
      case 'failed':
      case 'cancelled':
        await this.dataSource.query(
          `UPDATE "notifier"."deliveries" SET "status" = $2, "error" = $3, "lease_until" = NULL WHERE "id" = $1`,
          [row.id, outcome.status, outcome.error],
        );
        this.logger.warn({ ...bindings, reason: outcome.error }, `${row.notice} ${outcome.status}`);
        if (outcome.status === 'failed') await this.announce(row, 'failed', outcome.error);
    }
  }

  /** Tells the rest of the system (the api's live stream) how a delivery ended. Best effort. */
  private async announce(row: ClaimedRow, status: 'sent' | 'failed', error?: string): Promise<void> {
    await this.publisher
      .publish(
        SUBJECTS.notification(status, row.incident_id),
        NotificationResult,
        {
          deliveryId: row.id,
          incidentId: row.incident_id,
          notice: row.notice,
          userId: row.user_id,
          channel: row.channel,
          status,
          attempts: row.attempts,
          ...(error ? { error } : {}),
        },
        { messageId: `notification:${row.id}:${status}` },
      )
      .catch((e: unknown) =>
        this.logger.warn({ err: e, deliveryId: row.id }, 'delivery result not announced'),
      );
  }
}
