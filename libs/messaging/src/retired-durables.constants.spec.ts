import { CONSUMERS } from '@tocsin/contracts';
import { Naming } from './naming';
import { RETIRED_DURABLES } from './retired-durables.constants';

describe('RETIRED_DURABLES', () => {
  const naming = new Naming('tocsin');
  const live = new Set(Object.values(CONSUMERS).flatMap((def) => naming.durables(def).map((d) => d.name)));

  it.each(RETIRED_DURABLES.map((r) => [r.durable, r]))('%s is no durable in use', (_, retired) => {
    expect(live.has(naming.durable(retired))).toBe(false);
  });

  it.each(RETIRED_DURABLES.map((r) => [r.durable, r]))(
    '%s names the definition that replaced it',
    (_, retired) => {
      expect(Object.values(CONSUMERS).map((def) => def.durable)).toContain(retired.replacedBy);
    },
  );
});
