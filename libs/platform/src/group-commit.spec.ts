import { GroupCommit } from './group-commit';

/** A promise with its resolver, to hold a batch open while more items arrive. */
function gate(): { open: () => void; wait: Promise<void> } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { open, wait };
}

describe('GroupCommit', () => {
  it('applies a lone item at once, as a batch of one', async () => {
    const batches: number[][] = [];
    const commit = new GroupCommit<number, number>({
      maxBatch: 10,
      apply: (items) => {
        batches.push(items);
        return Promise.resolve(items.map((n) => n * 2));
      },
    });
    await expect(commit.submit(21)).resolves.toBe(42);
    expect(batches).toEqual([[21]]);
  });

  it('gathers the items submitted while a batch runs into the next batch, in order', async () => {
    const batches: number[][] = [];
    const first = gate();
    const commit = new GroupCommit<number, string>({
      maxBatch: 10,
      apply: async (items) => {
        batches.push(items);
        if (items[0] === 1) await first.wait;
        return items.map((n) => `r${n}`);
      },
    });
    const results = [commit.submit(1), commit.submit(2), commit.submit(3), commit.submit(4)];
    expect(commit.waiting).toBe(3);
    first.open();
    await expect(Promise.all(results)).resolves.toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('caps a batch at maxBatch items', async () => {
    const batches: number[][] = [];
    const first = gate();
    const commit = new GroupCommit<number, number>({
      maxBatch: 2,
      apply: async (items) => {
        batches.push(items);
        if (items[0] === 0) await first.wait;
        return items;
      },
    });
    const results = [0, 1, 2, 3, 4].map((n) => commit.submit(n));
    first.open();
    await Promise.all(results);
    expect(batches).toEqual([[0], [1, 2], [3, 4]]);
  });

  it('caps a batch at maxWeight, but always takes one item however heavy', async () => {
    const batches: number[][] = [];
    const first = gate();
    const commit = new GroupCommit<number, number>({
      maxBatch: 10,
      weight: (n) => n,
      maxWeight: 10,
      apply: async (items) => {
        batches.push(items);
        if (items[0] === 0) await first.wait;
        return items;
      },
    });
    const results = [0, 4, 5, 2, 30, 1, 9].map((n) => commit.submit(n));
    first.open();
    await Promise.all(results);
    expect(batches).toEqual([[0], [4, 5], [2], [30], [1, 9]]);
  });

  it('never puts two items of one key in a batch, and keeps their order', async () => {
    const batches: string[][] = [];
    const first = gate();
    const commit = new GroupCommit<string, string>({
      maxBatch: 10,
      key: (item) => item.split(':')[0],
      apply: async (items) => {
        batches.push(items);
        if (items[0] === 'x:0') await first.wait;
        return items;
      },
    });
    const results = ['x:0', 'a:1', 'b:1', 'a:2', 'c:1', 'a:3', 'b:2'].map((n) => commit.submit(n));
    first.open();
    await Promise.all(results);
    expect(batches).toEqual([['x:0'], ['a:1', 'b:1', 'c:1'], ['a:2', 'b:2'], ['a:3']]);
  });

  it('applies each item of a failed batch alone, so only the failing item fails', async () => {
    const batches: number[][] = [];
    const first = gate();
    const commit = new GroupCommit<number, number>({
      maxBatch: 10,
      apply: async (items) => {
        batches.push(items);
        if (items[0] === 0) await first.wait;
        if (items.includes(2)) throw new Error('two is poison');
        return items.map((n) => n + 100);
      },
    });
    const results = [0, 1, 2, 3].map((n) => commit.submit(n).then(String, (e: Error) => e.message));
    first.open();
    await expect(Promise.all(results)).resolves.toEqual(['100', '101', 'two is poison', '103']);
    expect(batches).toEqual([[0], [1, 2, 3], [1], [2], [3]]);
  });

  it('fails every item when apply answers with the wrong number of results', async () => {
    const commit = new GroupCommit<number, number>({ maxBatch: 10, apply: () => Promise.resolve([]) });
    await expect(commit.submit(1)).rejects.toThrow('a batch of 1 gave 0 results');
  });

  it('keeps serving after a failure', async () => {
    let fail = true;
    const commit = new GroupCommit<number, number>({
      maxBatch: 10,
      apply: (items) => (fail ? Promise.reject(new Error('down')) : Promise.resolve(items)),
    });
    await expect(commit.submit(1)).rejects.toThrow('down');
    fail = false;
    await expect(commit.submit(2)).resolves.toBe(2);
  });

  it('runs up to `concurrency` batches at once, never two items of one key at the same time', async () => {
    const gates = new Map<string, () => void>();
    const active = new Set<string>();
    const overlaps: string[] = [];
    let widest = 0;
    let running = 0;
    const commit = new GroupCommit<string, string>({
      maxBatch: 10,
      concurrency: 2,
      key: (item) => item.split(':')[0],
      apply: async (items) => {
        running += 1;
        widest = Math.max(widest, running);
        for (const item of items) {
          const k = item.split(':')[0];
          if (active.has(k)) overlaps.push(item);
          active.add(k);
        }
        await new Promise<void>((resolve) => gates.set(items[0], resolve));
        for (const item of items) active.delete(item.split(':')[0]);
        running -= 1;
        return items;
      },
    });
    const first = commit.submit('a:1');
    const second = commit.submit('b:1');
    const third = commit.submit('a:2');
    await new Promise((resolve) => setImmediate(resolve));
    // a:1 and b:1 run side by side; a:2 waits for a:1.
    expect([...gates.keys()]).toEqual(['a:1', 'b:1']);
    gates.get('b:1')?.();
    await second;
    await new Promise((resolve) => setImmediate(resolve));
    expect(gates.has('a:2')).toBe(false);
    gates.get('a:1')?.();
    await first;
    await expectEventually(() => gates.has('a:2'));
    gates.get('a:2')?.();
    await expect(third).resolves.toBe('a:2');
    expect(widest).toBe(2);
    expect(overlaps).toEqual([]);
  });
});

async function expectEventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(check()).toBe(true);
}
