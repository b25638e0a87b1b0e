import { deliveryIdOf, hookIdFor } from './delivery';

describe('deliveryIdOf', () => {
  it.each([
    ['x-github-delivery', '72d3162e-cc78-11e3-81ab-4c9367dc0958'],
    ['x-request-uuid', 'b5f4d7a2-1c3e-4e2b-9a8f-0d6c5e4b3a21'],
    ['idempotency-key', 'retry-me-once'],
    ['x-gitlab-event-uuid', '13792a34-cac6-4fda-95a8-c58e00a3954e'],
  ])('takes the delivery id from %s', (header, value) => {
    expect(deliveryIdOf({ [header]: value }, '{}')).toEqual({ source: header, value });
  });

  it('takes CircleCI event ids from the body when circleci-event-type says it is CircleCI', () => {
    const body = JSON.stringify({ id: '3888f21b-eaa7-38e3-8f3d-75a63bba8895', type: 'workflow-completed' });
    expect(deliveryIdOf({ 'circleci-event-type': 'workflow-completed' }, body)).toEqual({
      source: 'circleci-event-id',
      value: '3888f21b-eaa7-38e3-8f3d-75a63bba8895',
    });
  });

  it('never treats a top-level id as a delivery id otherwise (alerts reuse it across firing and resolved)', () => {
    expect(deliveryIdOf({}, '{"id":"alert-42","status":"firing"}')).toBeUndefined();
    expect(deliveryIdOf({ 'user-agent': 'CircleCI' }, '{"id":"alert-42"}')).toBeUndefined();
  });

  it('ignores a CircleCI body without a usable id', () => {
    const circle = { 'circleci-event-type': 'job-completed' };
    for (const body of [
      '{}',
      '{"id":7}',
      '{"id":""}',
      '[{"id":"x"}]',
      JSON.stringify({ id: 'x'.repeat(201) }),
    ]) {
      expect(deliveryIdOf(circle, body)).toBeUndefined();
    }
  });

  it('prefers a delivery header to the body', () => {
    expect(
      deliveryIdOf({ 'circleci-event-type': 'job-completed', 'idempotency-key': 'k' }, '{"id":"b"}'),
    ).toEqual({ source: 'idempotency-key', value: 'k' });
  });

  it('ignores empty and over-long header values', () => {
    expect(deliveryIdOf({ 'x-github-delivery': '' }, '{}')).toBeUndefined();
    expect(deliveryIdOf({ 'x-github-delivery': 'x'.repeat(201) }, '{}')).toBeUndefined();
  });
});

describe('hookIdFor', () => {
  it('derives the id from a producer delivery id, per integration', () => {
    const a = hookIdFor('i1', { 'x-github-delivery': 'abc' }, '{}');
    expect(a).toBe(hookIdFor('i1', { 'x-github-delivery': 'abc' }, '{"other":"body"}'));
    expect(a).not.toBe(hookIdFor('i2', { 'x-github-delivery': 'abc' }, '{}'));
    expect(a).not.toBe(hookIdFor('i1', { 'x-request-uuid': 'abc' }, '{}'));
    expect(a).toMatch(/^d-[0-9a-f]{32}$/);
  });

  it('keeps the ids earlier versions derived, so a retry across an upgrade is still dropped', () => {
    // sha256("i1\nx-github-delivery\nabc"), first 32 hex digits.
    expect(hookIdFor('i1', { 'x-github-delivery': 'abc' }, '{}')).toBe('d-322a44403493b40a045e6af3bdb6c694');
  });

  it('gives a CircleCI retry the same hook id', () => {
    const headers = { 'circleci-event-type': 'workflow-completed' };
    const body = '{"id":"3888f21b-eaa7-38e3-8f3d-75a63bba8895","happened_at":"2021-09-01T22:49:34Z"}';
    expect(hookIdFor('i1', headers, body)).toBe(hookIdFor('i1', headers, body));
    expect(hookIdFor('i1', headers, body)).toMatch(/^d-/);
  });

  it('makes a fresh id when the producer names no delivery', () => {
    expect(hookIdFor('i1', {}, '{"id":"a"}')).not.toBe(hookIdFor('i1', {}, '{"id":"a"}'));
  });
});
