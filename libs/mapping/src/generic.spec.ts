import { fallbackDedupKey } from './dedup-key';
import { mapGeneric } from './generic';

describe('mapGeneric', () => {
  it.each([
    ['trigger', 'open'],
    ['FIRING', 'open'],
    ['failed', 'open'],
    ['resolved', 'close'],
    ['ok', 'close'],
    ['ack', 'acknowledge'],
  ])('maps %s to %s', (value, action) => {
    expect(mapGeneric({ status: value, id: 'k1', title: 't' })).toMatchObject({ kind: 'event', action });
  });

  it('takes the first action field present, in the documented order', () => {
    expect(mapGeneric({ state: 'ok', event_action: 'trigger' })).toMatchObject({
      action: 'open',
      rule: 'generic:event_action',
    });
  });

  it('takes the dedup key and title from the first field present', () => {
    expect(
      mapGeneric({ status: 'down', fingerprint: 'f', alias: 'a', summary: 's', message: 'm' }),
    ).toMatchObject({
      dedupKey: 'a',
      title: 's',
    });
  });

  it('has no key when the payload names none, and the fallback is stable', () => {
    expect(mapGeneric({ status: 'down', title: 'db' })).toMatchObject({ dedupKey: null });
    expect(fallbackDedupKey('i', 'db')).toBe(fallbackDedupKey('i', 'db'));
    expect(fallbackDedupKey('i', 'db')).not.toBe(fallbackDedupKey('i', 'web'));
  });

  it('answers unmapped, with the reason, when nothing decides', () => {
    expect(mapGeneric({ hello: 'world' })).toMatchObject({ kind: 'unmapped' });
    expect(mapGeneric({ status: 'weird' })).toMatchObject({
      kind: 'unmapped',
      detail: expect.stringContaining('weird'),
    });
    expect(mapGeneric([1, 2])).toMatchObject({ kind: 'unmapped' });
    expect(mapGeneric(JSON.parse('{"__proto__": {"status": "down"}}'))).toMatchObject({ kind: 'unmapped' });
  });
});
