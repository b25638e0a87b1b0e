import { intersectSubjects } from './subject-filter';

describe('intersectSubjects', () => {
  it.each([
    ['events.normalized.>', 'events.normalized.*.7', 'events.normalized.*.7'],
    ['events.normalized.abc.>', 'events.normalized.*.7', 'events.normalized.abc.7'],
    ['events.normalized.abc.7', 'events.normalized.*.7', 'events.normalized.abc.7'],
    ['events.normalized.abc.3', 'events.normalized.*.7', undefined],
    ['events.normalized.abc', 'events.normalized.*.7', undefined],
    ['hooks.received.>', 'hooks.received.x', 'hooks.received.x'],
    ['hooks.received.>', 'hooks.received', undefined],
    ['hooks.*', 'hooks.a', 'hooks.a'],
    ['hooks.a', 'hooks.a', 'hooks.a'],
    ['hooks.a', 'hooks.b', undefined],
    ['>', 'a.*.c', 'a.*.c'],
    ['*.>', 'a.>', 'a.>'],
  ])('%s and %s: %s', (a, b, both) => {
    expect(intersectSubjects(a, b)).toEqual(both);
    expect(intersectSubjects(b, a)).toEqual(both);
  });
});
