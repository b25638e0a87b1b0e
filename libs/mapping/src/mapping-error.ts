/** A mapping that cannot be saved. Each error names where it is, e.g. `rules[2].matches: …`. */
export class MappingError extends Error {
  override readonly name = 'MappingError';

  constructor(readonly errors: string[]) {
    super(
      errors.length === 1
        ? `invalid mapping: ${errors[0]}`
        : `invalid mapping (${errors.length} errors): ${errors.join('; ')}`,
    );
  }
}
