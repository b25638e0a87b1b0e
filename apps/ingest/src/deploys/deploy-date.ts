/*
 * Dates of deploys, in the forms OpsLevel's documentation shows ("2019-02-01 13:28:33") and in
 * ISO 8601 ("2019-02-01T13:28:33Z", "…+02:00", "…33.123456789-0400", "2019-02-01"). A date
 * without a zone is UTC. Everything is stored as UTC.
 */

const DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)? ?(Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/i;

/** The instant a deploy date names, as ISO 8601 in UTC; null when it is not one of the forms above. */
export function parseDeployDate(value: string): string | null {
  const m = DATE.exec(value.trim());
  if (!m) return null;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const hour = Number(m[4] ?? 0);
  const minute = Number(m[5] ?? 0);
  const second = Number(m[6] ?? 0);
  const millis = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const zone = m[8];
  if (zone && m[4] === undefined) return null; // "2019-02-01Z" names no time of day
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null; // 2019-02-30
  const offset = zoneOffsetMinutes(zone);
  if (offset === null) return null;
  const utc = new Date(date.getTime() - offset * 60_000);
  // Date.UTC maps years 0–99 onto 1900–1999; such dates are mistakes anyway.
  if (year < 1970 || utc.getUTCFullYear() > 9999) return null;
  return utc.toISOString();
}

/** Minutes east of UTC; null for an offset beyond ±18:00 or with minutes over 59. */
function zoneOffsetMinutes(zone: string | undefined): number | null {
  if (!zone || /^(Z|UTC|GMT)$/i.test(zone)) return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  if (minutes > 59 || hours * 60 + minutes > 18 * 60) return null;
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}
