/**
 * The subjects two NATS filter subjects (with `*` and `>` wildcards) both match, as one filter
 * subject, or undefined when no subject matches both. `hooks.*.a` and `hooks.x.>` give `hooks.x.a`.
 */
export function intersectSubjects(a: string, b: string): string | undefined {
  const left = a.split('.');
  const right = b.split('.');
  const common: string[] = [];
  for (let i = 0; ; i++) {
    const l = left[i];
    const r = right[i];
    if (l === '>') return r === undefined ? undefined : [...common, ...right.slice(i)].join('.');
    if (r === '>') return l === undefined ? undefined : [...common, ...left.slice(i)].join('.');
    if (l === undefined || r === undefined) return l === r ? common.join('.') : undefined;
    if (l === '*') common.push(r);
    else if (r === '*' || l === r) common.push(l);
    else return undefined;
  }
}
