import { redactPath } from './logging';

describe('redactPath', () => {
  it('replaces the token of webhook, deploy and schedule feed URLs, and keeps the rest', () => {
    expect(redactPath('/hooks/abc123?x=1')).toBe('/hooks/[redacted]?x=1');
    expect(redactPath('/deploys/abc123')).toBe('/deploys/[redacted]');
    expect(redactPath('/ical/Zm9v_-bar.ics?from=2027-03-26T00:00:00Z')).toBe(
      '/ical/[redacted]?from=2027-03-26T00:00:00Z',
    );
    expect(redactPath('/v1/schedules/0190/shifts.ics')).toBe('/v1/schedules/0190/shifts.ics');
    expect(redactPath(undefined)).toBeUndefined();
  });
});
