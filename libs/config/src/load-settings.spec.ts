import { ApiSettings, IngestSettings, NormalizeSettings, SETTINGS_BY_APP } from './settings';
import { loadSettings, SettingsError, settingNames } from './load-settings';

describe('loadSettings', () => {
  it('applies the documented defaults', () => {
    const s = loadSettings(NormalizeSettings, {});
    expect(s.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(s.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/tocsin');
    expect(s.TOCSIN_PREFIX).toBe('tocsin');
    expect(s.NORMALIZE_PORT).toBe(9101);
  });

  it('turns numeric strings into numbers', () => {
    expect(loadSettings(IngestSettings, { INGEST_PORT: '18080' }).INGEST_PORT).toBe(18080);
  });

  it("applies ingest's limits and refuses ones it cannot work with", () => {
    expect(loadSettings(IngestSettings, {})).toMatchObject({
      INGEST_RATE_PER_INTEGRATION: 200,
      INGEST_BURST_PER_INTEGRATION: 1000,
      INGEST_RATE_TOTAL: 20_000,
      INGEST_BURST_TOTAL: 40_000,
      INGEST_MAX_PENDING_PUBLISHES: 500,
    });
    expect(loadSettings(IngestSettings, { INGEST_RATE_TOTAL: '5' }).INGEST_RATE_TOTAL).toBe(5);
    let error: unknown;
    try {
      loadSettings(IngestSettings, {
        INGEST_RATE_PER_INTEGRATION: '0',
        INGEST_BURST_PER_INTEGRATION: '1.5',
        INGEST_RATE_TOTAL: 'fast',
        INGEST_BURST_TOTAL: '-1',
        INGEST_MAX_PENDING_PUBLISHES: '100001',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    const problems = (error as SettingsError).problems.join('\n');
    for (const name of [
      'INGEST_RATE_PER_INTEGRATION',
      'INGEST_BURST_PER_INTEGRATION',
      'INGEST_RATE_TOTAL',
      'INGEST_BURST_TOTAL',
      'INGEST_MAX_PENDING_PUBLISHES',
    ]) {
      expect(problems).toMatch(new RegExp(`${name} must be a whole number`));
    }
  });

  it('reports every bad setting at once, one line each, naming it', () => {
    let error: unknown;
    try {
      loadSettings(ApiSettings, { API_PORT: 'eighty', NATS_URL: 'http://x', TOCSIN_PREFIX: 'Bad Prefix' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    const problems = (error as SettingsError).problems;
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/API_PORT must be an integer/);
    expect(problems.join('\n')).toMatch(/NATS_URL must be/);
    expect(problems.join('\n')).toMatch(/TOCSIN_PREFIX must be/);
    expect(problems.join('\n')).toMatch(/TOCSIN_ADMIN_KEY is required/);
  });

  it('lists the variables each app reads', () => {
    expect(settingNames(SETTINGS_BY_APP.ingest)).toEqual(
      [
        'HEAP_GROWTH_PERCENT',
        'HTTP_HEADERS_TIMEOUT_MS',
        'HTTP_KEEP_ALIVE_TIMEOUT_MS',
        'HTTP_REQUEST_TIMEOUT_MS',
        'INGEST_BODY_LIMIT',
        'INGEST_BURST_PER_INTEGRATION',
        'INGEST_BURST_TOTAL',
        'INGEST_MAX_PENDING_PUBLISHES',
        'INGEST_PORT',
        'INGEST_RATE_PER_INTEGRATION',
        'INGEST_RATE_TOTAL',
        'LOG_LEVEL',
        'MEMORY_SOFT_LIMIT_MIB',
        'NATS_URL',
        'TOCSIN_PREFIX',
        'TOCSIN_STREAM_REPLICAS',
      ].sort(),
    );
    expect(settingNames(SETTINGS_BY_APP.api)).toContain('TOCSIN_ADMIN_KEY');
    expect(settingNames(SETTINGS_BY_APP.notifier)).toContain('SMTP_URL');
  });

  it('bounds the HTTP timeouts, so that no slow client holds a connection', () => {
    const settings = loadSettings(SETTINGS_BY_APP.api, { TOCSIN_ADMIN_KEY: 'k'.repeat(32) });
    expect(settings).toMatchObject({
      HTTP_REQUEST_TIMEOUT_MS: 30_000,
      HTTP_HEADERS_TIMEOUT_MS: 10_000,
      HTTP_KEEP_ALIVE_TIMEOUT_MS: 72_000,
    });
    expect(() =>
      loadSettings(SETTINGS_BY_APP.ingest, {
        HTTP_REQUEST_TIMEOUT_MS: '0',
        HTTP_HEADERS_TIMEOUT_MS: 'never',
      }),
    ).toThrow(
      /HTTP_REQUEST_TIMEOUT_MS must be a whole number[\s\S]*HTTP_HEADERS_TIMEOUT_MS must be a whole number/,
    );
  });

  it('takes a heap growth from 0 (V8 decides) to 400 per cent, and nothing else', () => {
    expect(loadSettings(SETTINGS_BY_APP.normalize, {})).toMatchObject({ HEAP_GROWTH_PERCENT: 0 });
    expect(loadSettings(SETTINGS_BY_APP.normalize, { HEAP_GROWTH_PERCENT: '20' })).toMatchObject({
      HEAP_GROWTH_PERCENT: 20,
    });
    for (const value of ['-1', '401', '12.5', 'small']) {
      expect(() => loadSettings(SETTINGS_BY_APP.normalize, { HEAP_GROWTH_PERCENT: value })).toThrow(
        'HEAP_GROWTH_PERCENT must be a whole number from 0 to 400',
      );
    }
  });

  it('takes a soft memory limit of 0 (none) or 64 MiB and more, none unless told', () => {
    expect(loadSettings(SETTINGS_BY_APP.notifier, {})).toMatchObject({ MEMORY_SOFT_LIMIT_MIB: 0 });
    for (const [value, parsed] of [
      ['0', 0],
      ['64', 64],
      ['4096', 4096],
    ] as const) {
      expect(loadSettings(SETTINGS_BY_APP.notifier, { MEMORY_SOFT_LIMIT_MIB: value })).toMatchObject({
        MEMORY_SOFT_LIMIT_MIB: parsed,
      });
    }
    for (const value of ['-1', '1', '63', '12.5', '2000000', 'lots']) {
      expect(() => loadSettings(SETTINGS_BY_APP.notifier, { MEMORY_SOFT_LIMIT_MIB: value })).toThrow(
        'MEMORY_SOFT_LIMIT_MIB must be 0 (none) or a whole number of MiB from 64 to 1048576',
      );
    }
  });
});
