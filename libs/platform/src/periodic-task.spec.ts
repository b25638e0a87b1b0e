import { PeriodicTask } from './periodic-task';

describe('PeriodicTask', () => {
  it('never runs twice at once, reports failures and keeps going, and lets stop wait for a run', async () => {
    let running = 0;
    let overlapped = false;
    let runs = 0;
    const errors: unknown[] = [];
    const task = new PeriodicTask(
      async () => {
        running += 1;
        overlapped ||= running > 1;
        runs += 1;
        await new Promise((r) => setTimeout(r, 30));
        running -= 1;
        if (runs === 1) throw new Error('first run fails');
      },
      (error) => errors.push(error),
    );
    task.start(5, 1);
    await new Promise((r) => setTimeout(r, 120));
    await task.stop();
    expect(running).toBe(0);
    expect(overlapped).toBe(false);
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(errors).toEqual([new Error('first run fails')]);
    const after = runs;
    await new Promise((r) => setTimeout(r, 30));
    expect(runs).toBe(after);
  });

  it('runs at once when asked, and once more after the run in progress however often it is asked', async () => {
    let runs = 0;
    let release!: () => void;
    const task = new PeriodicTask(
      async () => {
        runs += 1;
        if (runs === 1) await new Promise<void>((r) => (release = r));
      },
      () => undefined,
    );
    task.now();
    expect(runs).toBe(1);
    task.now();
    task.now();
    task.now();
    release();
    await new Promise((r) => setTimeout(r, 10));
    expect(runs).toBe(2);
    await task.stop();
    task.now();
    expect(runs).toBe(2);
  });
});
