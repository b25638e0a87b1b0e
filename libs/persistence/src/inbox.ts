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
    const [result] = await this.applyEachOnce(consumer, [{ messageId }], async (em) => [await work(em)]);
    return result;
  }

  /**
   * Applies a batch of messages in one transaction, each at most once per consumer. `work` gets
   * the items whose message was not applied before (in batch order) and returns their results in
   * that order; the others get back what they stored when they were applied.
   */
  async applyEachOnce<I extends { readonly messageId: string }, T>(
    consumer: string,
    items: readonly I[],
    work: (em: EntityManager, fresh: I[]) => Promise<T[]>,
  ): Promise<InboxResult<T>[]> {
    const messageIds = items.map((item) => item.messageId);
    return this.dataSource.transaction(async (em) => {
      const inserted: { message_id: string }[] = await em.query(
        `INSERT INTO ${this.table} ("consumer", "message_id") SELECT $1, unnest($2::text[])
         ON CONFLICT ("consumer", "message_id") DO NOTHING RETURNING "message_id"`,
        [consumer, messageIds],
      );
      const claimed = new Set(inserted.map((r) => r.message_id));
      // A message twice in one batch is applied at its first position only.
      const fresh = new Set(messageIds.flatMap((id, i) => (claimed.delete(id) ? [i] : [])));
      const stored = new Map<string, T>();
      if (fresh.size < messageIds.length) {
        const rows: { message_id: string; result: T }[] = await em.query(
          `SELECT "message_id", "result" FROM ${this.table} WHERE "consumer" = $1 AND "message_id" = ANY($2::text[])`,
          [consumer, messageIds.filter((_, i) => !fresh.has(i))],
        );
        for (const row of rows) stored.set(row.message_id, row.result);
      }
      const positions = [...fresh];
      const results =
        positions.length > 0
          ? await work(
              em,
              positions.map((i) => items[i]),
            )
          : [];
      if (results.length !== positions.length) {
        throw new Error(`work returned ${results.length} results for ${positions.length} messages`);
      }
      // A null result is what the claimed row holds already: only the others are written.
      const kept = positions.flatMap((i, n) =>
        results[n] === null || results[n] === undefined ? [] : [[messageIds[i], results[n]] as const],
      );
      if (kept.length > 0) {
        await em.query(
          `UPDATE ${this.table} AS x SET "result" = v."result"
           FROM unnest($2::text[], $3::jsonb[]) AS v("message_id", "result")
           WHERE x."consumer" = $1 AND x."message_id" = v."message_id"`,
          [consumer, kept.map(([id]) => id), kept.map(([, result]) => JSON.stringify(result))],
        );
      }
      const applied = new Map(positions.map((i, n) => [i, results[n]]));
      positions.forEach((i, n) => stored.set(messageIds[i], results[n]));
      return messageIds.map((id, i) =>
        applied.has(i)
          ? { applied: true, result: applied.get(i) as T }
          : { applied: false, result: stored.get(id) as T },
      );
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
