import { looksLikeRecovery } from './recovery';

describe('looksLikeRecovery', () => {
  it.each([
    ['Alertmanager resolved', { version: '4', status: 'resolved', alerts: [{ status: 'resolved' }] }],
    ['Grafana alerting resolved', { status: 'resolved', state: 'ok', title: '[RESOLVED] cpu' }],
    ['Grafana legacy ok', { state: 'ok', ruleName: 'cpu' }],
    ['a generic recovered status', { status: 'Recovered' }],
    ['a PagerDuty-style resolve', { event_action: 'resolve', dedup_key: 'k' }],
  ])('admits %s', (_case, body) => {
    expect(looksLikeRecovery(JSON.stringify(body))).toBe(true);
  });

  it.each([
    ['Alertmanager firing', { status: 'firing', alerts: [{ status: 'resolved' }, { status: 'firing' }] }],
    ['Grafana alerting', { state: 'alerting' }],
    ['a nested marker only', { data: { status: 'resolved' } }],
    ['a trigger', { event_action: 'trigger' }],
    ['an acknowledge on a generic hook', { event_action: 'acknowledge' }],
    ['a status that is no string', { status: ['resolved'] }],
    ['an array', [{ status: 'resolved' }]],
  ])('does not admit %s', (_case, body) => {
    expect(looksLikeRecovery(JSON.stringify(body))).toBe(false);
  });

  it('does not admit text that is not JSON', () => {
    expect(looksLikeRecovery('status: resolved')).toBe(false);
  });
});
