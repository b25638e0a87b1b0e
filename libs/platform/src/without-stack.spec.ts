import { withoutStack } from './without-stack';

class Refusal extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super('too many events are waiting; retry later');
    this.name = 'Refusal';
  }
}

describe('withoutStack', () => {
  it('builds the error with its name, message and fields, and no frames', () => {
    const error = withoutStack(() => new Refusal(5));
    expect(error).toBeInstanceOf(Refusal);
    expect(error.message).toBe('too many events are waiting; retry later');
    expect(error.retryAfterSeconds).toBe(5);
    expect(error.stack).toBe('Refusal: too many events are waiting; retry later');
  });

  it('leaves the stack of every other error as it was', () => {
    const before = Error.stackTraceLimit;
    withoutStack(() => new Refusal(1));
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error('a fault').stack).toMatch(/\n\s+at /);
  });

  it('restores the limit when building the error throws', () => {
    const before = Error.stackTraceLimit;
    expect(() =>
      withoutStack(() => {
        throw new TypeError('cannot build');
      }),
    ).toThrow('cannot build');
    expect(Error.stackTraceLimit).toBe(before);
  });
});
