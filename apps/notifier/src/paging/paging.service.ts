import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { IncidentChangedV1, IncidentSnapshotV1, NoticeKind } from '@tocsin/contracts';
import { uuidv7 } from '@tocsin/messaging';
import { PeriodicTask } from '@tocsin/platform';
import { PinoLogger } from 'nestjs-pino';
import { DataSource, type EntityManager } from 'typeorm';
import { planStep } from '../escalation/escalation-plan';
import { DirectoryService } from '../directory/directory.service';
import { ChannelsService } from './channels.service';

/** How often every replica looks for due escalation steps and deliveries (besides being nudged). */
export const PAGING_POLL_MS = 1_000;
const ESCALATION_BATCH = 20;

interface EscalationRow {
  id: string;
  incident_id: string;
  policy_id: string;
  incident: IncidentSnapshotV1;
  repeat: number;
  step: number;
  next_at: Date;
}

/**
 * Escalation: an incident change that pages starts its policy; acknowledging or resolving stops
 * it, cancels what is not yet sent and tells those already paged who asked to be told. Each step
 * is a row in `escalations` whose `next_at` says when it is due; every replica claims due rows
 * with SKIP LOCKED, plans the step (escalation/escalation-plan.ts) and queues one delivery per
 * person and contact method under an idempotency key. DeliveryService sends them.
 */
@Injectable()
export class PagingService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task = new PeriodicTask(
    () => this.runDue().then(() => undefined),
    (error) => this.logger.warn({ err: error }, 'escalation run failed; retrying'),
  );
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly dataSource: DataSource,
    private readonly directory: DirectoryService,
    private readonly channels: ChannelsService,
    private readonly logger: PinoLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.task.start(PAGING_POLL_MS, 0);
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }

  /** Tells the senders that deliveries were queued and committed (notices after a stop). */
  queued(): void {
    this.notifyQueued();
  }

  /** Called when deliveries were queued, so they go out without waiting for the next poll. */
  onQueued(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Looks for due steps now (after a change started an escalation); one run at a time. */
  nudge(): void {
    this.task.now();
  }

  /** Runs the next step of an incident's escalation now (an `e` SMS reply); false when none is running. */
  async escalateNow(incidentId: string): Promise<boolean> {
    const result: unknown = await this.dataSource.query(
      `UPDATE "notifier"."escalations" SET "next_at" = now(), "updated_at" = now()
       WHERE "incident_id" = $1 AND "status" = 'active' RETURNING 1`,
      [incidentId],
    );
    // An UPDATE … RETURNING through TypeORM answers [rows, count].
    const moved = Array.isArray(result) && Number(result[1]) > 0;
    if (moved) this.nudge();
    return moved;
  }

  /** In the transaction that records an incident change: start or stop paging for it. */
  async onChange(
    em: EntityManager,
    change: IncidentChangedV1,
    causeId: string,
    policyId: string | null | undefined = change.incident.escalationPolicyId,
  ): Promise<'started' | 'stopped' | null> {
    if (change.change === 'acknowledged' || change.change === 'resolved') {
      await this.stop(em, change, causeId);
      return 'stopped';
    }
    if (!change.page || change.held) return null;
    if (!policyId) {
      this.logger.info(
        { incidentId: change.incident.id },
        'neither the integration nor the service of the incident has an escalation policy; nobody is paged',
      );
      return null;
    }
    const started: unknown[] = await em.query(
      `INSERT INTO "notifier"."escalations" ("id", "incident_id", "policy_id", "incident", "status", "next_at")
       VALUES ($1, $2, $3, $4, 'active', now())
       ON CONFLICT ("incident_id") WHERE "status" = 'active' DO NOTHING RETURNING 1`,
      [uuidv7(), change.incident.id, policyId, JSON.stringify(change.incident)],
    );
    return started.length > 0 ? 'started' : null;
  }

  private async stop(em: EntityManager, change: IncidentChangedV1, causeId: string): Promise<void> {
    const incidentId = change.incident.id;
    const reason = `incident ${change.change}${change.actor ? ` by ${change.actor}` : ''}`;
    await em.query(
      `UPDATE "notifier"."escalations" SET "status" = 'stopped', "stopped_reason" = $2, "next_at" = NULL,
         "updated_at" = now()
       WHERE "incident_id" = $1 AND "status" = 'active'`,
      [incidentId, reason],
    );
    await em.query(
      `UPDATE "notifier"."deliveries" SET "status" = 'cancelled', "error" = $2, "lease_until" = NULL
       WHERE "incident_id" = $1 AND "notice" = 'page' AND "status" IN ('queued', 'retrying')`,
      [incidentId, reason],
    );
    // Those paged for it who asked to hear how it ends.
    const told: { user_id: string; method_id: string; kind: string; address: string }[] = await em.query(
      `SELECT DISTINCT p."user_id", m."id" AS "method_id", m."kind", m."address"
       FROM "notifier"."deliveries" p
       JOIN "notifier"."notification_rules" r ON r."user_id" = p."user_id" AND r."notices"
       JOIN "notifier"."contact_methods" m ON m."id" = r."contact_method_id" AND m."disabled_reason" IS NULL
       WHERE p."incident_id" = $1 AND p."notice" = 'page' AND p."status" = 'sent'`,
      [incidentId],
    );
    for (const t of told) {
      await insertDelivery(em, {
        key: `notice:${causeId}:${t.user_id}:${t.method_id}`,
        escalationId: null,
        incident: change.incident,
        notice: change.change as NoticeKind,
        actor: change.actor ?? null,
        userId: t.user_id,
        contactMethodId: t.method_id,
        channel: t.kind,
        address: t.address,
        step: null,
        repeat: null,
        at: new Date(),
        replyCode: null,
      });
    }
  }

  /** Runs every due step, a batch per transaction, until none is due. */
  async runDue(now = () => new Date()): Promise<number> {
    let total = 0;
    for (;;) {
      const { ran, queued } = await this.dataSource.transaction((em) => this.runBatch(em, now()));
      total += ran;
      // After the commit, so that the senders see what was queued.
      if (queued > 0) this.notifyQueued();
      if (ran < ESCALATION_BATCH) break;
    }
    return total;
  }

  private async runBatch(em: EntityManager, now: Date): Promise<{ ran: number; queued: number }> {
    const due: EscalationRow[] = await em.query(
      `SELECT "id", "incident_id", "policy_id", "incident", "repeat", "step", "next_at"
       FROM "notifier"."escalations"
       WHERE "status" = 'active' AND "next_at" <= $1
       ORDER BY "next_at" LIMIT ${ESCALATION_BATCH} FOR UPDATE SKIP LOCKED`,
      [now],
    );
    if (due.length === 0) return { ran: 0, queued: 0 };
    const { policies, directory } = await this.directory.load({
      usable: (kind) => this.channels.configured(kind),
      policyIds: [...new Set(due.map((e) => e.policy_id))],
    });
    let queued = 0;
    for (const e of due) {
      const policy = policies.get(e.policy_id.toLowerCase());
      if (!policy || e.step >= policy.steps.length || e.repeat > policy.repeat) {
        await this.finish(
          em,
          e.id,
          'stopped',
          policy
            ? 'the escalation policy changed; its steps ran out'
            : 'the escalation policy no longer exists',
        );
        continue;
      }
      const plan = planStep({
        incidentId: e.incident_id,
        policy,
        directory,
        repeat: e.repeat,
        step: e.step,
        startsAt: e.next_at.getTime(),
      });
      const methods = await this.methods(
        em,
        plan.pages.map((p) => p.contactMethodId),
      );
      for (const page of plan.pages) {
        const method = methods.get(page.contactMethodId);
        if (!method) continue;
        const inserted = await insertDelivery(em, {
          key: `${e.id}:${page.key}`,
          escalationId: e.id,
          incident: e.incident,
          notice: 'page',
          actor: null,
          userId: page.userId,
          contactMethodId: page.contactMethodId,
          channel: page.channel,
          address: method.address,
          step: e.step,
          repeat: e.repeat,
          at: new Date(page.at),
          replyCode: page.channel === 'sms' ? await replyCode(em, method.address, e.incident_id) : null,
        });
        if (inserted) queued += 1;
      }
      if (plan.unreachable.length > 0 || plan.unknownTargets.length > 0) {
        this.logger.warn(
          {
            incidentId: e.incident_id,
            step: e.step,
            repeat: e.repeat,
            unreachable: plan.unreachable,
            unknownTargets: plan.unknownTargets,
          },
          'an escalation step could not reach everyone it names',
        );
      }
      if (plan.next) {
        await em.query(
          `UPDATE "notifier"."escalations" SET "repeat" = $2, "step" = $3, "next_at" = $4, "updated_at" = now() WHERE "id" = $1`,
          [e.id, plan.next.repeat, plan.next.step, new Date(plan.next.at)],
        );
      } else {
        await this.finish(em, e.id, 'exhausted', null);
      }
      this.logger.info(
        { incidentId: e.incident_id, step: e.step, repeat: e.repeat, pages: plan.pages.length },
        'escalation step ran',
      );
    }
    return { ran: due.length, queued };
  }

  private async finish(
    em: EntityManager,
    id: string,
    status: 'stopped' | 'exhausted',
    reason: string | null,
  ): Promise<void> {
    await em.query(
      `UPDATE "notifier"."escalations" SET "status" = $2, "stopped_reason" = $3, "next_at" = NULL, "updated_at" = now()
       WHERE "id" = $1`,
      [id, status, reason],
    );
  }

  private async methods(em: EntityManager, ids: string[]): Promise<Map<string, { address: string }>> {
    if (ids.length === 0) return new Map();
    const rows: { id: string; address: string }[] = await em.query(
      `SELECT "id", "address" FROM "notifier"."contact_methods" WHERE "id" = ANY($1::uuid[])`,
      [[...new Set(ids)]],
    );
    return new Map(rows.map((r) => [r.id, { address: r.address }]));
  }

  private notifyQueued(): void {
    for (const listener of this.listeners) listener();
  }
}

interface NewDelivery {
  key: string;
  escalationId: string | null;
  incident: IncidentSnapshotV1;
  notice: NoticeKind;
  actor: string | null;
  userId: string;
  contactMethodId: string;
  channel: string;
  address: string;
  step: number | null;
  repeat: number | null;
  at: Date;
  replyCode: string | null;
}

/** Queues a delivery unless one with its key exists; says whether it was new. */
async function insertDelivery(em: EntityManager, d: NewDelivery): Promise<boolean> {
  const rows: unknown[] = await em.query(
    `INSERT INTO "notifier"."deliveries" ("id", "key", "escalation_id", "incident_id", "incident", "notice", "actor",
       "user_id", "contact_method_id", "channel", "address", "step", "repeat", "status", "next_attempt_at", "reply_code")
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'queued', $14, $15)
     ON CONFLICT ("key") DO NOTHING RETURNING 1`,
    [
      uuidv7(),
      d.key,
      d.escalationId,
      d.incident.id,
      JSON.stringify(d.incident),
      d.notice,
      d.actor,
      d.userId,
      d.contactMethodId,
      d.channel,
      d.address,
      d.step,
      d.repeat,
      d.at,
      d.replyCode,
    ],
  );
  return rows.length > 0;
}

/**
 * The code an SMS reply to a page about `incidentId` starts with: the one this number already has
 * for the incident, else the smallest number not given to another incident on it in a day.
 */
async function replyCode(em: EntityManager, address: string, incidentId: string): Promise<string> {
  const rows: { reply_code: string; incident_id: string }[] = await em.query(
    `SELECT DISTINCT "reply_code", "incident_id" FROM "notifier"."deliveries"
     WHERE "address" = $1 AND "reply_code" IS NOT NULL AND "created_at" > now() - interval '24 hours'`,
    [address],
  );
  const own = rows.find((r) => r.incident_id === incidentId);
  if (own) return own.reply_code;
  const taken = new Set(rows.map((r) => r.reply_code));
  let code = 1;
  while (taken.has(String(code))) code += 1;
  return String(code);
}
