/** How a GroupCommit hands its work to the code that applies it. */
export interface GroupCommitOptions<T, R> {
  /**
   * Applies a batch and returns one result per item, in order. The batch is one unit: if this
   * throws, nothing of it took effect, and each item is then applied alone, so that a failure is
   * reported to the caller whose item caused it and the others still succeed.
   */
  apply: (items: T[]) => Promise<R[]>;
  /** Most items in one batch. */
  maxBatch: number;
  /**
   * Batches applied at the same time (default 1). Under light load items then go out at once,
   * side by side, instead of queueing behind the batch in progress.
   */
  concurrency?: number;
  /**
   * Items with the same key never share a batch: the later one waits for the next, so each batch
   * touches a key at most once and keys keep the order in which their items were submitted.
   */
  key?: (item: T) => string;
  /**
   * With `weight`, a batch also stops growing once the weights of its items add up to `maxWeight`
   * (a batch always takes at least one item): bytes, say, so large items are applied in smaller
   * batches.
   */
  weight?: (item: T) => number;
  maxWeight?: number;
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: callers submit one item each and await its result; items submitted while the
 * batches in progress are being applied are applied together in the next ones. Under load this
 * turns many small transactions into few large ones without adding latency when idle (a lone item
 * is applied at once, as a batch of one). Up to `concurrency` batches run at once; an item never
 * runs while another item of its key does.
 */
export class GroupCommit<T, R> {
  private readonly queue: Waiting<T, R>[] = [];
  private running = 0;
  /** Keys of the items in the batches being applied. */
  private readonly busy = new Map<string, number>();

  constructor(private readonly options: GroupCommitOptions<T, R>) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.running < (this.options.concurrency ?? 1)) void this.drain();
    });
  }

  /** Items waiting for a batch. */
  get waiting(): number {
    return this.queue.length;
  }

  private async drain(): Promise<void> {
    this.running += 1;
    try {
      for (;;) {
        const batch = this.take();
        if (batch.length === 0) return;
        const keys = this.options.key
          ? batch.map((w) => (this.options.key as (item: T) => string)(w.item))
          : [];
        for (const k of keys) this.busy.set(k, (this.busy.get(k) ?? 0) + 1);
        try {
          await this.run(batch);
        } finally {
          for (const k of keys) {
            const left = (this.busy.get(k) ?? 1) - 1;
            if (left > 0) this.busy.set(k, left);
            else this.busy.delete(k);
          }
        }
      }
    } finally {
      this.running -= 1;
      // An item may have waited only for a key this runner held.
      if (this.queue.length > 0 && this.running === 0) void this.drain();
    }
  }

  /**
   * The next batch: queue order, at most maxBatch items (and maxWeight of weight), one per key,
   * none of a key being applied.
   */
  private take(): Waiting<T, R>[] {
    const { key, maxBatch, weight, maxWeight = Infinity } = this.options;
    if (!key && !weight) return this.queue.splice(0, maxBatch);
    const keys = new Set<string>();
    const batch: Waiting<T, R>[] = [];
    let weighed = 0;
    for (let i = 0; i < this.queue.length && batch.length < maxBatch;) {
      const waiting = this.queue[i];
      const k = key?.(waiting.item);
      if (k !== undefined && (keys.has(k) || this.busy.has(k))) {
        // Later items of this key stay behind it.
        keys.add(k);
        i += 1;
        continue;
      }
      const w = weight ? weight(waiting.item) : 0;
      if (batch.length > 0 && weighed + w > maxWeight) break;
      weighed += w;
      if (k !== undefined) keys.add(k);
      batch.push(waiting);
      this.queue.splice(i, 1);
    }
    return batch;
  }

  private async run(batch: Waiting<T, R>[]): Promise<void> {
    try {
      const results = await this.options.apply(batch.map((w) => w.item));
      if (results.length !== batch.length) {
        throw new Error(`a batch of ${batch.length} gave ${results.length} results`);
      }
      batch.forEach((w, i) => w.resolve(results[i]));
      return;
    } catch (error) {
      if (batch.length === 1) {
        batch[0].reject(error);
        return;
      }
    }
    for (const waiting of batch) {
      try {
        const [result] = await this.options.apply([waiting.item]);
        waiting.resolve(result);
      } catch (error) {
        waiting.reject(error);
      }
    }
  }
}
