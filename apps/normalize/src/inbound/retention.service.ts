import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SCHEMA_BY_APP, NormalizeSettings } from '@tocsin/config';
import { STREAMS } from '@tocsin/contracts';
import { PeriodicTask } from '@tocsin/platform';
import { PinoLogger } from 'nestjs-pino';
import { DataSource, IsNull, LessThan, Not } from 'typeorm';
import { IntegrationIndexService } from '../integrations/integration-index.service';
import { Integration } from '../integrations/integration.entity';

const DAY_MS = 24 * 60 * 60 * 1000;
/** How often the purge runs; every replica runs it, and the deletes do not conflict. */
export const PURGE_INTERVAL_MS = 10 * 60 * 1000;
const BATCH = 5_000;

export interface PurgeReport {
  messages: number;
  inbox: number;
  debugSwitchedOff: number;
}

/**
 * Keeps the inbound log to its retention (INBOUND_RETENTION_DAYS), forgets applied message ids
 * once the streams can no longer redeliver them, and turns expired debug switches off.
 */
@Injectable()
export class RetentionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task = new PeriodicTask(
    async () => {
      const report = await this.purge(new Date());
      if (report.messages + report.inbox + report.debugSwitchedOff > 0) this.logger.info(report, 'purged');
    },
    (error) => this.logger.warn({ err: error }, 'purge failed; retrying at the next interval'),
  );

  constructor(
    private readonly dataSource: DataSource,
    private readonly index: IntegrationIndexService,
    private readonly settings: NormalizeSettings,
    private readonly logger: PinoLogger,
  ) {}

  onApplicationBootstrap(): void {
    this.task.start(PURGE_INTERVAL_MS, 30_000);
  }

  onApplicationShutdown(): Promise<void> {
    return this.task.stop();
  }

  async purge(now: Date): Promise<PurgeReport> {
    const schema = SCHEMA_BY_APP.normalize;
    const cutoff = new Date(now.getTime() - this.settings.INBOUND_RETENTION_DAYS * DAY_MS);
    // Applied ids are kept while a stream could still hand the message out again.
    const longestStream = Math.max(...Object.values(STREAMS).map((s) => s.maxAgeMs));
    const inboxCutoff = new Date(Math.min(cutoff.getTime(), now.getTime() - longestStream - DAY_MS));
    const messages = await this.deleteInBatches(
      `DELETE FROM "${schema}"."inbound_messages" WHERE "hook_id" IN (
         SELECT "hook_id" FROM "${schema}"."inbound_messages" WHERE "received_at" < $1 LIMIT ${BATCH})`,
      cutoff,
    );
    const inbox = await this.deleteInBatches(
      `DELETE FROM "${schema}"."inbox" WHERE ("consumer", "message_id") IN (
         SELECT "consumer", "message_id" FROM "${schema}"."inbox" WHERE "applied_at" < $1 LIMIT ${BATCH})`,
      inboxCutoff,
    );
    const repository = this.dataSource.getRepository(Integration);
    const expired = await repository.findBy({ debugUntil: LessThan(now) });
    for (const integration of expired) {
      await repository.update({ id: integration.id, debugUntil: Not(IsNull()) }, { debugUntil: null });
      await this.index.put({ ...integration, debugUntil: null });
    }
    return { messages, inbox, debugSwitchedOff: expired.length };
  }

  private async deleteInBatches(sql: string, cutoff: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const [, affected] = await this.dataSource.query<[unknown, number]>(sql, [cutoff]);
      total += affected;
      if (affected < BATCH) return total;
    }
  }
}
