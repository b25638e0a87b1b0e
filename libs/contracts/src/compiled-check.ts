import type { ClassConstructor } from 'class-transformer';
import { getMetadataStorage, IS_OPTIONAL, ValidationTypes, type ValidationArguments } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';
import { createRequire } from 'node:module';

/**
 * A yes-or-no check of a decoded JSON value against a contract class, answering what
 * `validateSync(plainToInstance(cls, value), { forbidUnknownValues: true })` would, without building
 * the instance or the errors.
 *
 * Every message a consumer takes is checked against its contract, and almost all of them pass:
 * class-transformer's copy and class-validator's walk (an error object per property, passing or
 * not) were a tenth of each consumer's CPU under load. This reads the same rules (class-validator's
 * metadata, class-transformer's `@Type`) once per class, and calls the same constraint functions
 * (`isUUID`, `isISO8601`, `length`, ...) with the same arguments, in the same order of conditions.
 *
 * It may only say "valid" when class-validator would: a check that answers false sends the value
 * through class-validator, for the verdict and the reasons. Where it cannot be sure of matching
 * class-validator (a `@ValidateIf`, an async constraint, class-transformer rules other than `@Type`,
 * a discriminator) it has no check (`null`), and class-validator does all the work.
 * `compiled-check.spec.ts` compares the two over every message contract and many broken copies.
 */
export type CompiledCheck = (value: unknown) => boolean;

type ConstraintInstance = { validate(value: unknown, args: ValidationArguments): unknown };

interface ClassTransformerStorage {
  findTypeMetadata(
    target: object,
    property: string,
  ): { typeFunction: (options?: unknown) => unknown; options?: { discriminator?: unknown } } | undefined;
  getExposedMetadatas(target: object): unknown[];
  getExcludedMetadatas(target: object): unknown[];
  getAncestors(target: object): object[];
  _transformMetadatas: Map<object, unknown>;
}

// class-transformer keeps its rules in a module that its package's types do not describe.
const transformerStorage = (
  createRequire(__filename)('class-transformer/cjs/storage') as {
    defaultMetadataStorage: ClassTransformerStorage;
  }
).defaultMetadataStorage;

/** No check can be made that is sure to agree with class-validator. */
class Unsupported extends Error {}

const compiled = new Map<ClassConstructor<object>, CompiledCheck | null>();

/** The check of a class (kept per class), or null where only class-validator can decide. */
export function compileCheck(cls: ClassConstructor<object>): CompiledCheck | null {
  if (compiled.has(cls)) return compiled.get(cls) as CompiledCheck | null;
  const holder: { check?: (object: Record<string, unknown>) => boolean } = {};
  // A class that nests itself finds its own (unfinished) check here.
  const provisional: CompiledCheck = (value) => checkInstance(value, holder);
  compiled.set(cls, provisional);
  try {
    holder.check = objectCheck(cls);
    return provisional;
  } catch (error) {
    if (!(error instanceof Unsupported)) throw error;
    compiled.set(cls, null);
    return null;
  }
}

/** class-transformer makes an instance of a non-null object only; class-validator then walks it. */
function checkInstance(
  value: unknown,
  holder: { check?: (object: Record<string, unknown>) => boolean },
): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  // Unset only while (or because) compiling a class that nests itself failed: no verdict.
  return holder.check ? holder.check(value as Record<string, unknown>) : false;
}

/** The check of every property of a class that has rules; like ValidationExecutor.execute. */
function objectCheck(cls: ClassConstructor<object>): (object: Record<string, unknown>) => boolean {
  refuseOtherTransforms(cls);
  const storage = getMetadataStorage();
  const rules = storage.getTargetValidationMetadatas(cls, '', false, false, undefined);
  // forbidUnknownValues: an object of a class without rules is refused.
  if (rules.length === 0) return () => false;
  const byProperty = storage.groupByPropertyName(rules);
  const properties = Object.keys(byProperty).map((name) => propertyCheck(cls, name, byProperty[name]));
  return (object) => {
    for (const check of properties) if (!check(object)) return false;
    return true;
  };
}

/** Values class-transformer would change, or not copy as they are, are left to it. */
function refuseOtherTransforms(cls: ClassConstructor<object>): void {
  const chain = [cls, ...transformerStorage.getAncestors(cls)];
  if (chain.some((target) => transformerStorage._transformMetadatas.has(target))) {
    throw new Unsupported(`${cls.name}: @Transform`);
  }
  if (transformerStorage.getExposedMetadatas(cls).length > 0) throw new Unsupported(`${cls.name}: @Expose`);
  if (transformerStorage.getExcludedMetadatas(cls).length > 0) throw new Unsupported(`${cls.name}: @Exclude`);
}

/** One property's rules, in class-validator's order: conditions, defined, constraints, nesting. */
function propertyCheck(
  cls: ClassConstructor<object>,
  property: string,
  rules: ValidationMetadata[],
): (object: Record<string, unknown>) => boolean {
  const conditions: ValidationMetadata[] = [];
  const defined: ValidationMetadata[] = [];
  const custom: ValidationMetadata[] = [];
  const nested: ValidationMetadata[] = [];
  for (const rule of rules) {
    switch (rule.type) {
      case ValidationTypes.CONDITIONAL_VALIDATION:
        // @IsOptional's condition reads only the property; a @ValidateIf may read anything.
        if (rule.name !== IS_OPTIONAL) throw new Unsupported(`${cls.name}.${property}: @ValidateIf`);
        conditions.push(rule);
        break;
      case ValidationTypes.IS_DEFINED:
        defined.push(rule);
        break;
      case ValidationTypes.CUSTOM_VALIDATION:
        custom.push(rule);
        break;
      case ValidationTypes.NESTED_VALIDATION:
        nested.push(rule);
        break;
      case ValidationTypes.WHITELIST:
        // Only read with the `whitelist` option, which message checks do not use.
        break;
      default:
        throw new Unsupported(`${cls.name}.${property}: ${rule.type}`);
    }
  }
  const constraintChecks = [...defined, ...custom].map((rule) => constraintCheck(cls, property, rule));
  const nestedCheck = nested.length > 0 ? nestingCheck(cls, property) : null;
  return (object) => {
    const value = object[property];
    for (const condition of conditions) {
      if (!(condition.constraints[0] as (o: object, v: unknown) => boolean)(object, value)) return true;
    }
    for (const check of constraintChecks) if (!check(object, value)) return false;
    // One nesting check stands for any number of @ValidateNested: each would walk the same value.
    return nestedCheck === null || value === undefined || nestedCheck(value);
  };
}

/** One constraint (`@IsString`, `@Length`, ...): its validator, called as class-validator calls it. */
function constraintCheck(
  cls: ClassConstructor<object>,
  property: string,
  rule: ValidationMetadata,
): (object: Record<string, unknown>, value: unknown) => boolean {
  const constraints = getMetadataStorage().getTargetValidatorConstraints(rule.constraintCls);
  if (constraints.some((c) => c.async)) throw new Unsupported(`${cls.name}.${property}: async constraint`);
  const validators = constraints.map((c) => c.instance as ConstraintInstance);
  const passes = (validator: ConstraintInstance, value: unknown, args: ValidationArguments): boolean => {
    const verdict = validator.validate(value, args);
    // A promise is not a verdict this check can wait for: class-validator decides.
    return typeof (verdict as { then?: unknown } | null)?.then === 'function' ? false : Boolean(verdict);
  };
  return (object, value) => {
    if (rule.validateIf && !rule.validateIf(object, value)) return true;
    const args: ValidationArguments = {
      targetName: cls.name,
      property: rule.propertyName,
      object,
      value,
      constraints: rule.constraints,
    };
    for (const validator of validators) {
      if (rule.each && Array.isArray(value)) {
        for (const item of value) if (!passes(validator, item, args)) return false;
      } else if (!passes(validator, value, args)) {
        return false;
      }
    }
    return true;
  };
}

/**
 * `@ValidateNested` with the class `@Type` names: class-transformer makes an instance of each
 * object (of each element of an array), and class-validator checks it against that class; any other
 * value (a string, null, an object of no known class) is refused.
 */
function nestingCheck(cls: ClassConstructor<object>, property: string): (value: unknown) => boolean {
  const type = transformerStorage.findTypeMetadata(cls, property);
  if (type?.options?.discriminator) throw new Unsupported(`${cls.name}.${property}: discriminator`);
  const target = type?.typeFunction() as ClassConstructor<object> | undefined;
  if (typeof target !== 'function' || target === Object) return () => false;
  const inner = compileCheck(target);
  if (inner === null) throw new Unsupported(`${cls.name}.${property}: ${target.name}`);
  // An array (at any depth) is walked element by element: class-transformer makes arrays of
  // instances of arrays, and class-validator checks each element, skipping none but undefined.
  const nestedValue = (value: unknown): boolean => {
    if (!Array.isArray(value)) return inner(value);
    for (const item of value) if (item !== undefined && !nestedValue(item)) return false;
    return true;
  };
  return nestedValue;
}
