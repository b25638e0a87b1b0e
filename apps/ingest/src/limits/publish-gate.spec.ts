import { PublishGate } from './publish-gate';

describe('PublishGate', () => {
  it('runs at most max publishes at once and refuses the next without running it', async () => {
    const gate = new PublishGate(2);
    const releases: (() => void)[] = [];
    const waiting = () => new Promise<string>((resolve) => releases.push(() => resolve('acked')));
    const first = gate.run(waiting);
    const second = gate.run(waiting);
    const third = jest.fn(waiting);
    expect(await gate.run(third)).toBeUndefined();
    expect(third).not.toHaveBeenCalled();
    expect(gate.pending).toBe(2);
    releases[0]?.();
    expect(await first).toEqual({ value: 'acked' });
    expect(await gate.run(() => Promise.resolve('next'))).toEqual({ value: 'next' });
    releases[1]?.();
    await second;
    expect(gate.pending).toBe(0);
  });

  it('frees the slot of a publish that fails', async () => {
    const gate = new PublishGate(1);
    await expect(gate.run(() => Promise.reject(new Error('timeout')))).rejects.toThrow('timeout');
    expect(gate.pending).toBe(0);
    expect(await gate.run(() => Promise.resolve(1))).toEqual({ value: 1 });
  });
});
