import { IngestSettings } from '@tocsin/config';
import { Clock } from '../clock';
import { IngestLimitsService } from './ingest-limits.service';
import { RateLimitedError, StoreOverloadedError } from './rate-limited.exception';

/** A stack trace with at least one frame, as every error that is a fault has. */
const FRAMES = /\n\s+at /;

function limits(overrides: Partial<IngestSettings>): IngestLimitsService {
  const settings = Object.assign(new IngestSettings(), overrides);
  const clock = new Clock();
  jest.spyOn(clock, 'now').mockReturnValue(new Date('2026-12-06T12:00:00Z'));
  return new IngestLimitsService(settings, clock);
}

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('nothing was thrown');
}

describe('IngestLimitsService refusals', () => {
  it('refuses a request over the rate limit with a RateLimitedError that has no stack frames', () => {
    const service = limits({ INGEST_RATE_PER_INTEGRATION: 1, INGEST_BURST_PER_INTEGRATION: 1 });
    service.admit('integration-a', 'hooks');
    const error = caught(() => service.admit('integration-a', 'hooks'));
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).message).toMatch(/rate limit is reached/);
    expect((error as RateLimitedError).headers['Retry-After']).toMatch(/^\d+$/);
    expect((error as Error).stack).not.toMatch(FRAMES);
  });

  it('refuses a publish beyond the pending bound with a StoreOverloadedError that has no stack frames', async () => {
    const service = limits({ INGEST_MAX_PENDING_PUBLISHES: 1 });
    let release: () => void = () => undefined;
    const first = service.publish(
      () => new Promise<string>((resolve) => (release = () => resolve('stored'))),
    );
    const second = service.publish(() => Promise.resolve('never run'));
    await expect(second).rejects.toBeInstanceOf(StoreOverloadedError);
    const error = await second.catch((e: unknown) => e);
    expect((error as StoreOverloadedError).retryAfterSeconds).toBe(1);
    expect((error as Error).stack).not.toMatch(FRAMES);
    release();
    await expect(first).resolves.toBe('stored');
  });

  it('passes a failing publish on with its own stack trace', async () => {
    const service = limits({});
    const error = await service
      .publish(() => Promise.reject(new Error('the store broke')))
      .catch((e: unknown) => e);
    expect((error as Error).message).toBe('the store broke');
    expect((error as Error).stack).toMatch(FRAMES);
  });
});
