import { QueryFailedError, type DataSource, type EntityManager } from 'typeorm';

export interface InboxResult<T> {
  /** False when this consumer had applied the message before: `result` is what it stored then. */
  applied: boolean;
  result: T;
}

/**
 * Applies a message at most once per consumer. The inbox row is written in the same transaction
 * as the work, with what the work decided (typically the messages to publish); a redelivery finds
 * the row and gets that result back, so a crash between commit and publish is repaired by the
 * redelivery.
 *
 * The row is written once, after the work, with its result: first the transaction reads which of
 * its messages were applied before, then the work runs for the others, then their rows go in. A
 * replica that applied one of them in the meantime (a message redelivered while the first delivery
 * was still being applied) makes the insert find its row: the transaction is rolled back, work and
 * all, and runs again, and then reads that message as applied.
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
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction((em) => this.applyInTransaction(em, consumer, items, work));
      } catch (error) {
        if (!appliedMeanwhile(error) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  private async applyInTransaction<I extends { readonly messageId: string }, T>(
    em: EntityManager,
    consumer: string,
    items: readonly I[],
    work: (em: EntityManager, fresh: I[]) => Promise<T[]>,
  ): Promise<InboxResult<T>[]> {
    const messageIds = items.map((item) => item.messageId);
    const rows: { message_id: string; result: T }[] = await em.query(
      `SELECT "message_id", "result" FROM ${this.table} WHERE "consumer" = $1 AND "message_id" = ANY($2::text[])`,
      [consumer, messageIds],
    );
    const stored = new Map(rows.map((row) => [row.message_id, row.result]));
    // A message twice in one batch is applied at its first position only.
    const firstAt = new Map<string, number>();
    messageIds.forEach((id, i) => {
      if (!stored.has(id) && !firstAt.has(id)) firstAt.set(id, i);
    });
    const positions = [...firstAt.values()];
    if (positions.length === 0)
      return messageIds.map((id) => ({ applied: false, result: stored.get(id) as T }));
    const results = await work(
      em,
      positions.map((i) => items[i]),
    );
    if (results.length !== positions.length) {
      throw new Error(`work returned ${results.length} results for ${positions.length} messages`);
    }
    // In message id order, so that two transactions claiming the same messages lock them in one order.
    const claims = positions
      .map((i, n) => ({ id: messageIds[i], result: results[n] }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const inserted: unknown[] = await em.query(
      `INSERT INTO ${this.table} ("consumer", "message_id", "result")
       SELECT $1, * FROM unnest($2::text[], $3::jsonb[])
       ON CONFLICT ("consumer", "message_id") DO NOTHING RETURNING 1`,
      [
        consumer,
        claims.map((claim) => claim.id),
        claims.map((claim) =>
          claim.result === null || claim.result === undefined ? null : JSON.stringify(claim.result),
        ),
      ],
    );
    if (inserted.length !== claims.length) throw new AppliedMeanwhileError();
    const applied = new Map(positions.map((i, n) => [i, results[n]]));
    positions.forEach((i, n) => stored.set(messageIds[i], results[n]));
    return messageIds.map((id, i) =>
      applied.has(i)
        ? { applied: true, result: applied.get(i) as T }
        : { applied: false, result: stored.get(id) as T },
    );
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

/** Transactions a batch runs in at most when other replicas keep applying its messages meanwhile. */
const MAX_ATTEMPTS = 5;

/**
 * Whether a transaction failed because another applied one of its messages meanwhile: its inbox row
 * was there at the insert, or the work itself ran into a row that other transaction wrote (a unique
 * key the work writes, such as a message id, blocks until the other commits, then fails). Run again,
 * the transaction reads those messages as applied. A unique violation that is the work's own fault
 * fails every attempt, and is thrown after the last.
 */
function appliedMeanwhile(error: unknown): boolean {
  if (error instanceof AppliedMeanwhileError) return true;
  return (
    error instanceof QueryFailedError && (error.driverError as { code?: string }).code === UNIQUE_VIOLATION
  );
}

const UNIQUE_VIOLATION = '23505';

/** Another transaction applied one of the batch's messages after this one read the inbox. */
class AppliedMeanwhileError extends Error {
  constructor() {
    super('a message of the batch was applied by another transaction meanwhile');
    this.name = 'AppliedMeanwhileError';
  }
}
