import { Injectable } from '@nestjs/common';
import { CONSUMERS, type IncidentChangedV1 } from '@tocsin/contracts';
import { Inbox, type InboxResult } from '@tocsin/persistence';
import { GroupCommit } from '@tocsin/platform';
import { PinoLogger } from 'nestjs-pino';
import type { EntityManager } from 'typeorm';
import { PagingService } from '../paging/paging.service';
import { ServicePolicies } from '../paging/service-policies';

/** What recording a change did to paging; stored in the inbox with it. */
type Paging = 'started' | 'stopped' | null;

/** A change waiting to be recorded, with the policy it pages (looked up before). */
interface Submitted {
  change: IncidentChangedV1;
  messageId: string;
  policyId: string | null;
}

/** Changes recorded in one transaction at most; more wait for the next. */
const MAX_BATCH = 64;
/**
 * Transactions recording changes at once. Two keeps one batch being written while the next
 * gathers, and leaves the rest of the connection pool to the escalation and delivery runs.
 */
const BATCHES_AT_ONCE = 2;

@Injectable()
export class IncidentEventsService {
  private readonly commits = new GroupCommit<Submitted, InboxResult<Paging>>({
    maxBatch: MAX_BATCH,
    concurrency: BATCHES_AT_ONCE,
    key: (item) => item.change.incident.id,
    apply: (items) =>
      this.inbox.applyEachOnce(CONSUMERS.notifierIncidents.durable, items, (em, fresh) =>
        this.recordInTransaction(em, fresh),
      ),
  });

  constructor(
    private readonly inbox: Inbox,
    private readonly paging: PagingService,
    private readonly services: ServicePolicies,
    private readonly logger: PinoLogger,
  ) {}

  /**
   * Records an incident change once, however often it is delivered, and in the same transaction
   * starts or stops paging for it: a redelivered change pages nobody twice.
   *
   * Changes recorded at the same moment share a transaction (up to two such transactions at
   * once); two changes of one incident never share one, so an incident's changes are recorded in
   * the order they came. A batch that fails is recorded again change by change, so a failing
   * change fails alone.
   */
  async record(change: IncidentChangedV1, messageId: string): Promise<void> {
    const { incident } = change;
    // The integration's policy, else its service's.
    const policyId =
      incident.escalationPolicyId ??
      (change.page && !change.held && incident.service
        ? await this.services.policyFor(incident.service)
        : null);
    const { applied, result } = await this.commits.submit({ change, messageId, policyId });
    if (!applied) return;
    this.logger.info(
      { incidentId: change.incident.id, change: change.change, paging: result },
      'incident change received',
    );
    if (result === 'started') this.paging.nudge();
    if (result === 'stopped') this.paging.queued();
  }

  /** Records changes of distinct incidents, none recorded before: one insert, then paging in order. */
  private async recordInTransaction(em: EntityManager, items: Submitted[]): Promise<Paging[]> {
    await em.query(
      `INSERT INTO "notifier"."incident_events" ("message_id", "incident_id", "change", "title")
       SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[])`,
      [
        items.map((item) => item.messageId),
        items.map((item) => item.change.incident.id),
        items.map((item) => item.change.change),
        items.map((item) => item.change.incident.title),
      ],
    );
    const results: Paging[] = [];
    for (const item of items) {
      results.push(await this.paging.onChange(em, item.change, item.messageId, item.policyId));
    }
    return results;
  }
}
