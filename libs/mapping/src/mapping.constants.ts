/** Limits of the mapping language. They bound the cost of one message whatever its sender writes. */
export const MAPPING_LIMITS = {
  /** Segments in one field path (`a.b[0].c` has four). */
  pathSegments: 32,
  /** Paths in one `field` list. */
  fieldPaths: 10,
  filters: 50,
  rules: 200,
  /** Values in one `in` list. */
  inValues: 500,
  /** Characters of a `contains` text, a rule name or a `default`. */
  text: 1000,
  /** Characters of one template (`"{{a}}:{{b}}"`). */
  template: 4096,
  /** Holes in one template. */
  templateHoles: 64,
  /** Characters of a `matches` pattern. */
  patternLength: 1000,
  /**
   * Size of a pattern once its counted repetitions are expanded (`a{10}` counts 10, `[a-z]{3}x` counts
   * 4). The matcher runs in linear time, but each character of input costs work in proportion to this.
   */
  patternSize: 256,
  /** Characters of a value that `matches` looks at. */
  matchInput: 64 * 1024,
  title: 1024,
  /** Characters of a dedup key, and of a group key. */
  dedupKey: 1024,
  service: 200,
  description: 64 * 1024,
  /** Characters a template renders before it is cut (then trimmed and fitted to its field). */
  rendered: 64 * 1024,
  /** Nesting levels the description's JSON shows; deeper values appear as "…". */
  descriptionDepth: 64,
  /** Characters of a rule's label (`rules[0] "failed builds" (open)`). */
  ruleLabel: 200,
  /** Characters of a value quoted in an explanation (`state is "STOPPED"`). */
  quotedValue: 100,
  /** Characters of an explanation (the `detail` of an outcome). */
  detail: 1000,
} as const;

/** The title of an event whose title template renders nothing. */
export const UNTITLED_EVENT = 'Untitled event';
