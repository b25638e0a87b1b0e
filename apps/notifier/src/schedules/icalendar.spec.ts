import fc from 'fast-check';
import { type FeedOptions, calendar, escapeText, foldLine, scheduleFeed } from './icalendar';
import { compileSchedule } from './validate-schedule';

const schedule = compileSchedule({
  timeZone: 'Europe/Berlin',
  layers: [
    {
      id: 'primary',
      rotation: { type: 'daily', startDate: '2025-03-28', handoffTime: '09:00' },
      participants: ['ann', 'bob'],
    },
  ],
  overrides: [
    { id: 'swap', userId: 'cy', start: '2025-03-30T12:00:00+02:00', end: '2025-03-30T15:00:00+02:00' },
  ],
});

const options: FeedOptions = {
  scheduleId: 'sched-1',
  name: 'Platform, primary; EU',
  from: Date.parse('2025-03-29T00:00:00Z'),
  to: Date.parse('2025-03-31T00:00:00Z'),
  generatedAt: Date.parse('2025-03-01T12:34:56.789Z'),
  uidDomain: 'tocsin.example.com',
};

/** The content lines of a feed, unfolded (RFC 5545 3.1). */
const unfold = (text: string) => text.replace(/\r\n /g, '').split('\r\n');
const events = (text: string) =>
  text
    .split('BEGIN:VEVENT\r\n')
    .slice(1)
    .map((e) =>
      Object.fromEntries(
        unfold(e)
          .filter((l) => l.includes(':'))
          .map((l) => [l.split(':')[0], l.slice(l.indexOf(':') + 1)]),
      ),
    );

describe('scheduleFeed', () => {
  it('writes the final shifts as UTC events, with CRLF line ends', () => {
    const feed = scheduleFeed(schedule, options);
    expect(feed.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(feed.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(unfold(feed).slice(0, 9)).toEqual([
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Tocsin//On-call schedules//EN',
      'CALSCALE:GREGORIAN',
      'METHOD:PUBLISH',
      'NAME:Platform\\, primary\\; EU',
      'X-WR-CALNAME:Platform\\, primary\\; EU',
      'REFRESH-INTERVAL;VALUE=DURATION:PT1H',
      'X-PUBLISHED-TTL:PT1H',
    ]);
    expect(events(feed).map((e) => [e.DTSTART, e.DTEND, e.SUMMARY])).toEqual([
      ['20250328T080000Z', '20250329T080000Z', 'On call: ann'],
      ['20250329T080000Z', '20250330T070000Z', 'On call: bob'], // 23 hours: the spring change
      ['20250330T070000Z', '20250330T100000Z', 'On call: ann'],
      ['20250330T100000Z', '20250330T130000Z', 'On call: cy'],
      ['20250330T130000Z', '20250331T070000Z', 'On call: ann'],
    ]);
    expect(events(feed)[3]).toMatchObject({
      DTSTAMP: '20250301T123456Z',
      DESCRIPTION: 'Platform\\, primary\\; EU\\nOn call: cy\\nFrom override swap',
      TRANSP: 'TRANSPARENT',
    });
  });

  it('holds only one user’s shifts in that user’s feed, named after the schedule', () => {
    const feed = scheduleFeed(schedule, { ...options, userId: 'ann', displayName: (id) => `Ann (${id})` });
    expect(events(feed).map((e) => [e.DTSTART, e.SUMMARY])).toEqual([
      ['20250328T080000Z', 'On call: Platform\\, primary\\; EU'],
      ['20250330T070000Z', 'On call: Platform\\, primary\\; EU'],
      ['20250330T130000Z', 'On call: Platform\\, primary\\; EU'],
    ]);
    expect(events(feed)[0].DESCRIPTION).toContain('On call: Ann (ann)');
  });

  it('keeps UIDs from one fetch to the next, distinct per shift and per feed', () => {
    const uids = (o: FeedOptions) => events(scheduleFeed(schedule, o)).map((e) => e.UID);
    const first = uids(options);
    expect(new Set(first).size).toBe(first.length);
    expect(first.every((uid) => /^[0-9a-f]{32}@tocsin\.example\.com$/.test(uid))).toBe(true);
    // Later fetches, over other ranges and at other times, give the same shift the same UID.
    expect(uids({ ...options, from: options.from + 3_600_000, generatedAt: Date.now() })).toEqual(first);
    expect(uids({ ...options, userId: 'ann' }).some((uid) => first.includes(uid))).toBe(false);
    expect(uids({ ...options, scheduleId: 'sched-2' }).some((uid) => first.includes(uid))).toBe(false);
  });

  it('writes an empty calendar when nobody is on call', () => {
    const feed = calendar([], options);
    expect(feed).not.toContain('BEGIN:VEVENT');
    expect(feed.endsWith('END:VCALENDAR\r\n')).toBe(true);
  });
});

describe('escapeText', () => {
  it('escapes backslashes, semicolons, commas and line breaks, and drops control characters', () => {
    expect(escapeText('a\\b;c,d\ne\r\nf\rg\u0007h\ti')).toBe('a\\\\b\\;c\\,d\\ne\\nf\\ng' + 'h\ti');
  });
});

describe('foldLine', () => {
  const octets = (s: string) => Buffer.byteLength(s, 'utf8');

  it('leaves lines of 75 octets alone and folds longer ones with a leading space', () => {
    expect(foldLine('x'.repeat(75))).toBe('x'.repeat(75));
    expect(foldLine('x'.repeat(76))).toBe(`${'x'.repeat(75)}\r\n x`);
    expect(foldLine('x'.repeat(150)).split('\r\n').map(octets)).toEqual([75, 75, 2]);
  });

  it('never splits a UTF-8 character, and unfolds to the same line', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), (text) => {
        const line = `SUMMARY:${text}`;
        const folded = foldLine(line);
        const parts = folded.split('\r\n');
        parts.forEach((part, i) => {
          expect(octets(part)).toBeLessThanOrEqual(75);
          if (i > 0) expect(part.startsWith(' ')).toBe(true);
          expect(Buffer.from(part, 'utf8').toString('utf8')).toBe(part);
        });
        expect(folded.replace(/\r\n /g, '')).toBe(line);
      }),
    );
    const folded = foldLine(`SUMMARY:${'é'.repeat(80)}`);
    expect(folded.split('\r\n').map(octets)).toEqual([74, 75, 21]);
  });
});
