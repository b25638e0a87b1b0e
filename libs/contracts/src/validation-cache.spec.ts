import { IsInt, IsString, Min, getMetadataStorage, validateSync } from 'class-validator';
import { cacheValidationMetadata } from './validation-cache';

describe('the kept validation rules', () => {
  beforeAll(() => cacheValidationMetadata());

  class Base {
    @IsString()
    name!: unknown;
  }

  const problems = (value: object) =>
    validateSync(value)
      .map((e) => e.property)
      .sort();

  it('is installed on the storage every validation reads', () => {
    expect(Object.getOwnPropertySymbols(getMetadataStorage())).toContain(
      Symbol.for('tocsin.validation-metadata-cache'),
    );
  });

  it('applies the rules a class has and those it inherits, validation after validation', () => {
    class Child extends Base {
      @IsInt()
      count!: unknown;
    }
    for (let i = 0; i < 3; i++) {
      expect(problems(Object.assign(new Child(), { name: 1, count: 'x' }))).toEqual(['count', 'name']);
      expect(problems(Object.assign(new Child(), { name: 'a', count: 1 }))).toEqual([]);
      expect(problems(Object.assign(new Base(), { name: 2 }))).toEqual(['name']);
    }
  });

  it('takes in rules of a class defined after its parent was validated', () => {
    expect(problems(Object.assign(new Base(), { name: 'ok' }))).toEqual([]);
    class Later extends Base {
      @Min(10)
      size!: unknown;
    }
    expect(problems(Object.assign(new Later(), { name: 3, size: 1 }))).toEqual(['name', 'size']);
    expect(problems(Object.assign(new Later(), { name: 'x', size: 11 }))).toEqual([]);
  });

  it('forgets what it kept when a rule is added to a class already validated', () => {
    class Open {
      @IsString()
      name!: unknown;
    }
    expect(problems(Object.assign(new Open(), { name: 'a', extra: 'x' }))).toEqual([]);
    IsInt()(Open.prototype, 'extra');
    expect(problems(Object.assign(new Open(), { name: 'a', extra: 'x' }))).toEqual(['extra']);
  });

  it('keeps groups apart', () => {
    class Grouped {
      @IsString({ groups: ['strict'] })
      label!: unknown;
    }
    const value = Object.assign(new Grouped(), { label: 5 });
    expect(validateSync(value, { groups: ['strict'] }).map((e) => e.property)).toEqual(['label']);
    expect(validateSync(value, { groups: ['loose'], forbidUnknownValues: false })).toEqual([]);
    expect(validateSync(value, { groups: ['strict'] }).map((e) => e.property)).toEqual(['label']);
  });
});
