import { capturedHeaders, debugHeaders, isDebugging, keptHeaders } from './headers';

const NOW = new Date('2026-03-01T12:00:00Z');

const REQUEST = {
  host: 'ingest.example.com',
  'content-type': 'application/json',
  'user-agent': 'GitHub-Hookshot/abc',
  'x-github-event': 'workflow_run',
  'x-github-delivery': 'd1',
  'x-hub-signature-256': 'sha256=00ff',
  'x-hub-signature': 'sha1=00ff',
  'x-buildkite-signature': 'timestamp=1,signature=00',
  authorization: 'Bearer secret-1',
  'proxy-authorization': 'Basic c2VjcmV0',
  cookie: 'session=secret-2',
  'x-gitlab-token': 'secret-3',
  'x-buildkite-token': 'secret-4',
  'x-custom-token': 'secret-5',
  'x-app-secret': 'secret-6',
  'x-api-key': 'secret-7',
  'x-db-password': 'secret-8',
  'x-routing-key': 'secret-9',
  'x-forwarded-for': '203.0.113.9',
};

describe('keptHeaders', () => {
  it('keeps what explains a delivery and never a credential or a signature', () => {
    expect(keptHeaders(REQUEST)).toEqual({
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/abc',
      'x-github-event': 'workflow_run',
      'x-github-delivery': 'd1',
    });
  });

  it('keeps the headers that name CircleCI and GitLab deliveries', () => {
    expect(
      keptHeaders({ 'circleci-event-type': 'workflow-completed', 'x-gitlab-instance': 'https://gitlab.com' }),
    ).toEqual({ 'circleci-event-type': 'workflow-completed', 'x-gitlab-instance': 'https://gitlab.com' });
  });
});

describe('debugHeaders', () => {
  it('keeps every header, credentials masked, signatures kept', () => {
    const kept = debugHeaders(REQUEST);
    expect(Object.keys(kept)).toEqual(Object.keys(REQUEST));
    for (const name of [
      'authorization',
      'proxy-authorization',
      'cookie',
      'x-gitlab-token',
      'x-buildkite-token',
      'x-custom-token',
      'x-app-secret',
      'x-api-key',
      'x-db-password',
      'x-routing-key',
    ]) {
      expect(kept[name]).toBe('[redacted]');
    }
    expect(kept['x-hub-signature-256']).toBe('sha256=00ff');
    expect(kept['x-hub-signature']).toBe('sha1=00ff');
    expect(kept['x-buildkite-signature']).toBe('timestamp=1,signature=00');
    expect(kept['x-forwarded-for']).toBe('203.0.113.9');
    expect(JSON.stringify(kept)).not.toMatch(/secret-|c2VjcmV0/);
  });

  it('cuts values to 1000 characters and keeps at most 100 headers', () => {
    const many: Record<string, string> = { 'x-long': 'a'.repeat(5000) };
    for (let i = 0; i < 150; i++) many[`x-h${i}`] = String(i);
    const kept = debugHeaders(many);
    expect(Object.keys(kept)).toHaveLength(100);
    expect(kept['x-long']).toHaveLength(1000);
  });

  it('joins repeated headers and lower-cases names', () => {
    expect(debugHeaders({ 'X-Multi': ['a', 'b'] })).toEqual({ 'x-multi': 'a, b' });
  });
});

describe('capturedHeaders', () => {
  it('captures every header while debugUntil is in the future, the fixed list otherwise', () => {
    const debugging = { debugUntil: '2026-03-01T12:30:00Z' };
    expect(capturedHeaders(debugging, REQUEST, NOW)).toEqual(debugHeaders(REQUEST));
    expect(capturedHeaders({ debugUntil: '2026-03-01T11:59:59Z' }, REQUEST, NOW)).toEqual(
      keptHeaders(REQUEST),
    );
    expect(capturedHeaders({}, REQUEST, NOW)).toEqual(keptHeaders(REQUEST));
  });

  it('treats an unreadable debugUntil as off', () => {
    expect(isDebugging({ debugUntil: 'soon' }, NOW)).toBe(false);
    expect(isDebugging({ debugUntil: '2026-03-01T12:00:00Z' }, NOW)).toBe(false);
    expect(isDebugging({ debugUntil: '2026-03-01T12:00:01Z' }, NOW)).toBe(true);
  });
});
