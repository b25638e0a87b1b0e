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
   * Items with the same key never share a batch: the later one waits for the next, so each batch
   * touches a key at most once and keys keep the order in which their items were submitted.
   */
  key?: (item: T) => string;
}

interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: callers submit one item each and await its result; items submitted while a batch
 * is being applied are applied together in the next one. Under load this turns many small
 * transactions into few large ones without adding latency when idle (a lone item is applied at
 * once, as a batch of one). One batch runs at a time.
 */
export class GroupCommit<T, R> {
  private readonly queue: Waiting<T, R>[] = [];
  private running = false;

  constructor(private readonly options: GroupCommitOptions<T, R>) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.running) void this.drain();
    });
  }

  /** Items waiting for a batch. */
  get waiting(): number {
    return this.queue.length;
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.take();
        await this.run(batch);
      }
    } finally {
      this.running = false;
    }
  }

  /** The next batch: queue order, at most maxBatch items, one per key. */
  private take(): Waiting<T, R>[] {
    const { key, maxBatch } = this.options;
    if (!key) return this.queue.splice(0, maxBatch);
    const keys = new Set<string>();
    const batch: Waiting<T, R>[] = [];
    for (let i = 0; i < this.queue.length && batch.length < maxBatch;) {
      const waiting = this.queue[i];
      const k = key(waiting.item);
      if (keys.has(k)) {
        i += 1;
        continue;
      }
      keys.add(k);
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
