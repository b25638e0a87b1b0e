import { RE2JS } from 're2js';
import { MAPPING_LIMITS } from './mapping.constants';
import { Parsed } from './path';

/*
 * Patterns of `matches` run on re2js: RE2 semantics, linear in the length of the input. Three more checks
 * keep a pattern cheap and portable before it is saved:
 * - syntax RE2 lacks (backreferences, lookaround, atomic groups) is named, rather than reported as a parse
 *   error;
 * - the pattern's size once counted repetitions are expanded is bounded (`.{1000}` costs a thousand steps
 *   per character of input even in linear time);
 * - a repetition whose body can match the same text in more than one way, such as `(a+)+`, `(a*)*` or
 *   `(a|aa)+`, is rejected: harmless here, it backtracks catastrophically in the engines users copy
 *   patterns from and to, and it is always better written another way.
 */

type Range = readonly [number, number];
type CharSet = readonly Range[];

const MAX_CODE_POINT = 0x10ffff;
const ANY: CharSet = [[0, MAX_CODE_POINT]];
const DIGIT: CharSet = [[48, 57]];
const WORD: CharSet = [
  [48, 57],
  [65, 90],
  [95, 95],
  [97, 122],
];
const SPACE: CharSet = [
  [9, 10],
  [12, 13],
  [32, 32],
];

function normalize(ranges: readonly Range[]): CharSet {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function union(a: CharSet, b: CharSet): CharSet {
  return b.length === 0 ? a : a.length === 0 ? b : normalize([...a, ...b]);
}

function complement(set: CharSet): CharSet {
  const out: Range[] = [];
  let next = 0;
  for (const [lo, hi] of normalize(set)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

/** Adds the other case of ASCII letters (case-insensitive matching makes `a` and `A` the same). */
function foldCase(set: CharSet): CharSet {
  const extra: Range[] = [];
  for (const [lo, hi] of set) {
    const upperLo = Math.max(lo, 65);
    const upperHi = Math.min(hi, 90);
    if (upperLo <= upperHi) extra.push([upperLo + 32, upperHi + 32]);
    const lowerLo = Math.max(lo, 97);
    const lowerHi = Math.min(hi, 122);
    if (lowerLo <= lowerHi) extra.push([lowerLo - 32, lowerHi - 32]);
  }
  return extra.length === 0 ? set : normalize([...set, ...extra]);
}

function intersects(a: CharSet, b: CharSet): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x[1] < y[0]) i += 1;
    else if (y[1] < x[0]) j += 1;
    else return true;
  }
  return false;
}

type Node =
  | { t: 'char'; set: CharSet }
  | { t: 'empty' }
  | { t: 'seq'; items: Node[] }
  | { t: 'alt'; alts: Node[] }
  | { t: 'rep'; body: Node; min: number; max: number; start: number; end: number };

const SIMPLE_ESCAPES: Record<string, number> = { n: 10, t: 9, r: 13, f: 12, v: 11, a: 7 };

/** A lenient parser for patterns RE2 has already accepted: it keeps only what the checks need. */
class PatternParser {
  private i = 0;

  constructor(private readonly s: string) {}

  parse(): Node {
    const node = this.alternation();
    while (this.i < this.s.length) {
      this.i += 1;
      this.alternation();
    }
    return node;
  }

  private alternation(): Node {
    const alts = [this.sequence()];
    while (this.s.charAt(this.i) === '|') {
      this.i += 1;
      alts.push(this.sequence());
    }
    return alts.length === 1 ? alts[0] : { t: 'alt', alts };
  }

  private sequence(): Node {
    const items: Node[] = [];
    while (this.i < this.s.length && this.s.charAt(this.i) !== '|' && this.s.charAt(this.i) !== ')') {
      const start = this.i;
      let node = this.atom();
      node = this.quantified(node, start);
      if (node.t === 'seq') items.push(...node.items);
      else items.push(node);
    }
    return items.length === 1 ? items[0] : { t: 'seq', items };
  }

  private quantified(atom: Node, start: number): Node {
    let node = atom;
    for (;;) {
      const c = this.s.charAt(this.i);
      let min: number;
      let max: number;
      if (c === '*' || c === '+' || c === '?') {
        min = c === '+' ? 1 : 0;
        max = c === '?' ? 1 : Infinity;
        this.i += 1;
      } else if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.s.slice(this.i, this.i + 12));
        if (m === null) return node;
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        this.i += m[0].length;
      } else {
        return node;
      }
      if (this.s.charAt(this.i) === '?') this.i += 1;
      node = { t: 'rep', body: node, min, max, start, end: this.i };
    }
  }

  private atom(): Node {
    const c = this.s.charAt(this.i);
    switch (c) {
      case '(':
        return this.group();
      case '[':
        return { t: 'char', set: this.charClass() };
      case '.':
        this.i += 1;
        return { t: 'char', set: ANY };
      case '^':
      case '$':
        this.i += 1;
        return { t: 'empty' };
      case '\\':
        return this.escapeAtom();
      default: {
        const cp = this.literal();
        return { t: 'char', set: [[cp, cp]] };
      }
    }
  }

  private literal(): number {
    const cp = this.s.codePointAt(this.i) ?? 0;
    this.i += cp > 0xffff ? 2 : 1;
    return cp;
  }

  private group(): Node {
    this.i += 1;
    if (this.s.charAt(this.i) === '?') {
      this.i += 1;
      if (this.s.startsWith('P<', this.i) || this.s.charAt(this.i) === '<') {
        const close = this.s.indexOf('>', this.i);
        this.i = close < 0 ? this.s.length : close + 1;
      } else {
        while (/[a-zA-Z-]/.test(this.s.charAt(this.i))) this.i += 1;
        if (this.s.charAt(this.i) === ')') {
          this.i += 1;
          return { t: 'empty' };
        }
        if (this.s.charAt(this.i) === ':') this.i += 1;
      }
    }
    const body = this.alternation();
    if (this.s.charAt(this.i) === ')') this.i += 1;
    return body;
  }

  private escapeAtom(): Node {
    if (this.s.charAt(this.i + 1) === 'Q') {
      this.i += 2;
      const end = this.s.indexOf('\\E', this.i);
      const text = end < 0 ? this.s.slice(this.i) : this.s.slice(this.i, end);
      this.i = end < 0 ? this.s.length : end + 2;
      const items: Node[] = [...text].map((ch) => {
        const cp = ch.codePointAt(0) ?? 0;
        return { t: 'char', set: [[cp, cp]] };
      });
      return items.length === 1 ? items[0] : { t: 'seq', items };
    }
    const escaped = this.escape();
    return escaped === null ? { t: 'empty' } : { t: 'char', set: escaped };
  }

  /** Reads `\x…` at the cursor: a character set, or null for a zero-width assertion. */
  private escape(): CharSet | null {
    const c = this.s.charAt(this.i + 1);
    this.i += 2;
    switch (c) {
      case 'd':
        return DIGIT;
      case 'D':
        return complement(DIGIT);
      case 'w':
        return WORD;
      case 'W':
        return complement(WORD);
      case 's':
        return SPACE;
      case 'S':
        return complement(SPACE);
      case 'b':
      case 'B':
      case 'A':
      case 'z':
        return null;
      case 'p':
      case 'P':
        if (this.s.charAt(this.i) === '{') {
          const close = this.s.indexOf('}', this.i);
          this.i = close < 0 ? this.s.length : close + 1;
        } else {
          this.i += 1;
        }
        return ANY;
      case 'x': {
        let hex: string;
        if (this.s.charAt(this.i) === '{') {
          const close = this.s.indexOf('}', this.i);
          hex = this.s.slice(this.i + 1, close < 0 ? this.s.length : close);
          this.i = close < 0 ? this.s.length : close + 1;
        } else {
          hex = this.s.slice(this.i, this.i + 2);
          this.i += 2;
        }
        const cp = Math.min(parseInt(hex, 16) || 0, MAX_CODE_POINT);
        return [[cp, cp]];
      }
      default: {
        if (c >= '0' && c <= '7') {
          const digits = /^[0-7]{0,2}/.exec(this.s.slice(this.i))?.[0] ?? '';
          this.i += digits.length;
          const cp = parseInt(c + digits, 8);
          return [[cp, cp]];
        }
        const simple = SIMPLE_ESCAPES[c];
        if (simple !== undefined) return [[simple, simple]];
        this.i -= 1;
        const cp = this.literal();
        return [[cp, cp]];
      }
    }
  }

  private charClass(): CharSet {
    this.i += 1;
    const negate = this.s.charAt(this.i) === '^';
    if (negate) this.i += 1;
    let ranges: CharSet = [];
    let first = true;
    while (this.i < this.s.length && (this.s.charAt(this.i) !== ']' || first)) {
      first = false;
      if (this.s.startsWith('[:', this.i)) {
        const close = this.s.indexOf(':]', this.i + 2);
        this.i = close < 0 ? this.s.length : close + 2;
        ranges = union(ranges, ANY);
        continue;
      }
      const lo = this.classAtom();
      if (lo.length === 1 && this.s.charAt(this.i) === '-' && this.s.charAt(this.i + 1) !== ']') {
        this.i += 1;
        const hi = this.classAtom();
        const from = lo[0][0];
        const to = hi[hi.length - 1][1];
        ranges = union(ranges, from <= to ? [[from, to]] : ANY);
      } else {
        ranges = union(ranges, lo);
      }
    }
    this.i += 1;
    return negate ? complement(ranges) : ranges;
  }

  private classAtom(): CharSet {
    if (this.s.charAt(this.i) === '\\') return this.escape() ?? [];
    const cp = this.literal();
    return [[cp, cp]];
  }
}

interface Info {
  nullable: boolean;
  /** Characters the node can start with. */
  first: CharSet;
  /** Characters the node can consume anywhere. */
  chars: CharSet;
  /** Can match texts of different lengths or shapes (alternation, optional or open repetition). */
  variable: boolean;
  /** Character positions once counted repetitions are expanded. */
  size: number;
}

const SIZE_CAP = 1e9;

class PatternAnalysis {
  private readonly infos = new Map<Node, Info>();

  constructor(private readonly fold: boolean) {}

  info(node: Node): Info {
    const known = this.infos.get(node);
    if (known !== undefined) return known;
    const computed = this.compute(node);
    this.infos.set(node, computed);
    return computed;
  }

  private compute(node: Node): Info {
    switch (node.t) {
      case 'char': {
        const set = this.fold ? foldCase(node.set) : node.set;
        return { nullable: false, first: set, chars: set, variable: false, size: 1 };
      }
      case 'empty':
        return { nullable: true, first: [], chars: [], variable: false, size: 0 };
      case 'seq': {
        let nullable = true;
        let first: CharSet = [];
        let chars: CharSet = [];
        let variable = false;
        let size = 0;
        for (const item of node.items) {
          const info = this.info(item);
          if (nullable) first = union(first, info.first);
          nullable &&= info.nullable;
          chars = union(chars, info.chars);
          variable ||= info.variable;
          size = Math.min(SIZE_CAP, size + info.size);
        }
        return { nullable, first, chars, variable, size };
      }
      case 'alt': {
        const infos = node.alts.map((a) => this.info(a));
        return {
          nullable: infos.some((i) => i.nullable),
          first: infos.reduce<CharSet>((acc, i) => union(acc, i.first), []),
          chars: infos.reduce<CharSet>((acc, i) => union(acc, i.chars), []),
          variable: true,
          size: Math.min(
            SIZE_CAP,
            infos.reduce((acc, i) => acc + i.size, node.alts.length),
          ),
        };
      }
      case 'rep': {
        const body = this.info(node.body);
        const times = Number.isFinite(node.max) ? node.max : Math.max(node.min, 1) + 1;
        return {
          nullable: node.min === 0 || body.nullable,
          first: body.first,
          chars: body.chars,
          variable: body.variable || node.min !== node.max,
          size: Math.min(SIZE_CAP, body.size * times),
        };
      }
    }
  }

  /** The first repetition whose body can match the same text in more than one way. */
  ambiguousRepetition(node: Node): Extract<Node, { t: 'rep' }> | null {
    switch (node.t) {
      case 'char':
      case 'empty':
        return null;
      case 'seq':
        return this.firstOf(node.items);
      case 'alt':
        return this.firstOf(node.alts);
      case 'rep':
        if (node.max > 1 && !this.iterationSafe(node.body)) return node;
        return this.ambiguousRepetition(node.body);
    }
  }

  private firstOf(nodes: readonly Node[]): Extract<Node, { t: 'rep' }> | null {
    for (const n of nodes) {
      const found = this.ambiguousRepetition(n);
      if (found !== null) return found;
    }
    return null;
  }

  /** One iteration of a repeated body can be told from two: repeating it is unambiguous. */
  private iterationSafe(body: Node): boolean {
    const info = this.info(body);
    if (info.nullable) return false;
    if (!info.variable) return true;
    if (body.t === 'alt') return this.alternativesSafe(body.alts);
    if (body.t === 'seq') return this.anchored(body.items);
    return false;
  }

  /** `(a|b)*`, `(foo|bar)+`: alternatives that never start alike, each unambiguous on its own. */
  private alternativesSafe(alts: readonly Node[]): boolean {
    const infos = alts.map((a) => this.info(a));
    if (infos.some((i) => i.nullable)) return false;
    for (let x = 0; x < infos.length; x += 1) {
      for (let y = x + 1; y < infos.length; y += 1) {
        if (intersects(infos[x].first, infos[y].first)) return false;
      }
    }
    return alts.every((a, k) => !infos[k].variable || (a.t === 'seq' && this.anchored(a.items)));
  }

  /** `(\.[a-z]+)*`, `(\d+,)*`: a required character that the variable parts can never consume. */
  private anchored(items: readonly Node[]): boolean {
    let variableChars: CharSet = [];
    for (const item of items) {
      const info = this.info(item);
      if (info.variable || info.nullable) variableChars = union(variableChars, info.chars);
    }
    return items.some((item) => item.t === 'char' && !intersects(this.info(item).chars, variableChars));
  }
}

const UNSUPPORTED: ReadonlyArray<[RegExp, string]> = [
  [/^\(\?[=!]/, 'lookahead ("(?=…)", "(?!…)")'],
  [/^\(\?<[=!]/, 'lookbehind ("(?<=…)", "(?<!…)")'],
  [/^\(\?>/, 'atomic groups ("(?>…)")'],
  [/^\(\?P[=>]/, 'backreferences ("(?P=name)")'],
  [/^\\[1-9]/, 'backreferences ("\\1")'],
  [/^\\k</, 'backreferences ("\\k<name>")'],
];

/** Syntax other engines have and RE2 lacks, named, with the character class contents skipped. */
function unsupportedSyntax(pattern: string): string | null {
  let inClass = false;
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern.charAt(i);
    if (c === '\\' && !inClass) {
      const rest = pattern.slice(i, i + 4);
      for (const [test, name] of UNSUPPORTED) if (test.test(rest)) return name;
      i += 1;
    } else if (c === '\\') {
      i += 1;
    } else if (inClass) {
      if (c === ']') inClass = false;
    } else if (c === '[') {
      inClass = true;
      if (pattern.charAt(i + 1) === '^') i += 1;
      if (pattern.charAt(i + 1) === ']') i += 1;
    } else if (c === '(') {
      const rest = pattern.slice(i, i + 4);
      for (const [test, name] of UNSUPPORTED) if (test.test(rest)) return name;
    }
  }
  return null;
}

/**
 * Compiles a `matches` pattern, or says in one sentence why it cannot be saved (without the field's
 * name, which the caller adds).
 */
export function compilePattern(pattern: string, caseSensitive: boolean): Parsed<RE2JS> {
  if (pattern.length > MAPPING_LIMITS.patternLength) {
    return {
      ok: false,
      error: `the pattern is ${pattern.length} characters long; at most ${MAPPING_LIMITS.patternLength}`,
    };
  }
  const unsupported = unsupportedSyntax(pattern);
  if (unsupported !== null) {
    return {
      ok: false,
      error: `${unsupported} are not supported: patterns use RE2 syntax, which runs in linear time`,
    };
  }
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern, caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE);
  } catch (error) {
    const reason =
      error instanceof Error ? error.message.replace(/^error parsing regexp: /, '') : String(error);
    return { ok: false, error: `not a valid regular expression: ${reason}` };
  }
  const tree = new PatternParser(pattern).parse();
  const analysis = new PatternAnalysis(!caseSensitive || /\(\?[a-zA-Z]*i/.test(pattern));
  const size = analysis.info(tree).size;
  if (size > MAPPING_LIMITS.patternSize) {
    return {
      ok: false,
      error:
        `the pattern expands to ${size >= SIZE_CAP ? 'over a billion' : size} character positions ` +
        `once its repetitions are counted out; at most ${MAPPING_LIMITS.patternSize}: use smaller counts in {n,m}`,
    };
  }
  const ambiguous = analysis.ambiguousRepetition(tree);
  if (ambiguous !== null) {
    const fragment = pattern.slice(ambiguous.start, ambiguous.end);
    return {
      ok: false,
      error:
        `nested quantifier in ${JSON.stringify(fragment)} can backtrack catastrophically in other engines; ` +
        `rewrite it so one repetition cannot match the same text in several ways, e.g. "(a+)+" as "a+"`,
    };
  }
  return { ok: true, value: compiled };
}
