import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync, type ValidationError } from 'class-validator';

export type SettingsClass<T extends object> = new () => T;

/** Thrown when the environment holds bad settings; its message has one line per problem. */
export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SettingsError';
  }
}

/** The names of the environment variables a settings class reads. */
export function settingNames(cls: SettingsClass<object>): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(cls, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))].sort();
}

/**
 * Reads a settings class from an environment. Unset and empty variables keep the class default;
 * every bad or missing value is reported at once, one line each, naming the variable.
 */
export function loadSettings<T extends object>(
  cls: SettingsClass<T>,
  env: NodeJS.ProcessEnv = process.env,
): T {
  const names = settingNames(cls);
  const defaults = new cls() as Record<string, unknown>;
  const raw: Record<string, unknown> = {};
  for (const name of names) {
    const value = env[name];
    raw[name] = value === undefined || value === '' ? defaults[name] : value;
  }
  const settings = plainToInstance(cls, raw);
  const errors = validateSync(settings, { whitelist: false, forbidUnknownValues: true });
  if (errors.length > 0) {
    throw new SettingsError(errors.flatMap(describe));
  }
  return Object.freeze(settings);
}

/** The constraints that say what a value must be, before those that bound it. */
const PRIMARY = ['isInt', 'isIn', 'matches', 'isUrl', 'isString', 'minLength'];

function describe(error: ValidationError): string[] {
  if (error.value === undefined) return [`${error.property} is required`];
  const constraints = error.constraints ?? {};
  const key = PRIMARY.find((k) => k in constraints) ?? Object.keys(constraints)[0];
  return [(key && constraints[key]) || `${error.property} is invalid`];
}
