import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

type Lookup = (
  target: object,
  targetSchema: string,
  always: boolean,
  strictGroups: boolean,
  groups?: string[],
) => ValidationMetadata[];

interface Storage {
  getTargetValidationMetadatas: Lookup;
  addValidationMetadata: (metadata: ValidationMetadata) => void;
}

const CACHED = Symbol.for('tocsin.validation-metadata-cache');

/**
 * Keeps class-validator's answer to "which rules apply to this class" instead of working it out on
 * every validation. class-validator finds the rules a class inherits by testing it against every
 * class it knows (`instanceof` each), for every object it validates, nested ones included: a few per
 * cent of a consumer's CPU under load. The rules are fixed once the classes are defined, so the answer
 * is kept per class and options; adding a rule (defining a class later) forgets every kept answer.
 * Installed once per process, on the global storage that every validation (messages and HTTP
 * bodies alike) reads.
 */
export function cacheValidationMetadata(): void {
  const storage = getMetadataStorage() as unknown as Storage & { [CACHED]?: true };
  if (storage[CACHED]) return;
  storage[CACHED] = true;
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  const add = storage.addValidationMetadata.bind(storage);
  let kept = new Map<object, Map<string, ValidationMetadata[]>>();
  storage.getTargetValidationMetadatas = (target, targetSchema, always, strictGroups, groups) => {
    const key = `${targetSchema}\u0000${always}\u0000${strictGroups}\u0000${(groups ?? []).join('\u0000')}`;
    let forTarget = kept.get(target);
    if (!forTarget) {
      forTarget = new Map();
      kept.set(target, forTarget);
    }
    let rules = forTarget.get(key);
    if (!rules) {
      rules = lookup(target, targetSchema, always, strictGroups, groups);
      forTarget.set(key, rules);
    }
    return rules;
  };
  storage.addValidationMetadata = (metadata) => {
    kept = new Map();
    add(metadata);
  };
}

cacheValidationMetadata();
