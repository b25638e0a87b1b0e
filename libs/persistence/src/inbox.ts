import type { DataSource, EntityManager } from 'typeorm';

export interface InboxResult<T> {
  /** False when this consumer had applied the message before: `result` is what it stored then. */
  applied: boolean;
  result: T;
}

/**
 * Applies a message at most once per consumer. The inbox row is inserted in the same transaction
 * as the work; a redelivery finds the row and gets back the stored result (typically the
 * messages to publish), so a crash between commit and publish is repaired by the redelivery.
 */
export class Inbox {
  constructor(private readonly dataSource: DataSource) {}

  private get table(): string {
    return `"${this.dataSource.driver.schema as string}"."inbox"`;
  }

  async applyOnce<T>(
    consumer: string,
    messageId: string,
    work: (em: EntityManager) => Promise<T>,
  ): Promise<InboxResult<T>> {
    return this.dataSource.transaction(async (em) => {
      const inserted: unknown[] = await em.query(
        `INSERT INTO ${this.table} ("consumer", "message_id") VALUES ($1, $2)
         ON CONFLICT ("consumer", "message_id") DO NOTHING RETURNING 1`,
        [consumer, messageId],
      );
      if (inserted.length === 0) {
        const rows: { result: T }[] = await em.query(
          `SELECT "result" FROM ${this.table} WHERE "consumer" = $1 AND "message_id" = $2`,
          [consumer, messageId],
        );
        return { applied: false, result: rows[0]?.result };
      }
      const result = await work(em);
      await em.query(`UPDATE ${this.table} SET "result" = $3 WHERE "consumer" = $1 AND "message_id" = $2`, [
        consumer,
        messageId,
        JSON.stringify(result ?? null),
      ]);
      return { applied: true, result };
    });
  }

  /** Forgets entries older than the retention; redeliveries never come that late. */
  async purgeOlderThan(days: number): Promise<number> {
    const rows: unknown[] = await this.dataSource.query(
      `DELETE FROM ${this.table} WHERE "applied_at" < now() - make_interval(days => $1) RETURNING 1`,
      [days],
    );
    return rows.length;
  }
}
