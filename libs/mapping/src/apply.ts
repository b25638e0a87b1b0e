import { MAX_EVENTS_PER_HOOK, SEVERITIES, Severity } from '@tocsin/contracts';
import { MappingProgram, SeverityProgram, ValueProgram, programOf } from './compile';
import { fallbackDedupKey, fitDedupKey } from './dedup-key';
import { MAPPING_LIMITS, UNTITLED_EVENT } from './mapping.constants';
import { CompiledMapping, ElementResult, MappingContext, MappingOutcome } from './mapping.types';
import { testMatcher } from './matcher';
import { Scope, describeResolved, fieldLabel, resolveField, resolvePath } from './path';
import { safeStringify } from './serialize';
import { renderTemplate } from './template';
import { isScalar, kindOf, quote, scalarText, truncate } from './text';

/** NUL characters: JSON carries them, PostgreSQL text cannot store them. */
// eslint-disable-next-line no-control-regex -- the character is the point
const NUL = /\u0000/g;
/** Control characters, which a one-line title shows as spaces. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f]/g;

function render(program: ValueProgram | null, scope: Scope): string {
  return renderRaw(program, scope).replace(NUL, '');
}

function renderRaw(program: ValueProgram | null, scope: Scope): string {
  if (program === null) return '';
  switch (program.kind) {
    case 'template':
      return renderTemplate(program.template, scope, MAPPING_LIMITS.rendered);
    case 'field': {
      const { value } = resolveField(program.field, scope);
      if (isScalar(value)) return scalarText(value).slice(0, MAPPING_LIMITS.rendered);
      if (value !== undefined) {
        return safeStringify(value, { pretty: false, maxLength: MAPPING_LIMITS.rendered, maxDepth: 16 });
      }
      return program.fallback ?? '';
    }
  }
}

function severityOf(program: SeverityProgram | null, scope: Scope): Severity {
  if (program === null) return 'error';
  const { value } = resolveField(program.field, scope);
  if (isScalar(value)) {
    const raw = scalarText(value).trim().toLowerCase();
    const mapped = program.map.get(raw);
    if (mapped !== undefined) return mapped;
    if ((SEVERITIES as readonly string[]).includes(raw)) return raw as Severity;
  }
  return program.fallback ?? 'error';
}

function detail(text: string): string {
  return truncate(text.replace(NUL, ''), MAPPING_LIMITS.detail);
}

/** Why no rule matched: what each field the rules look at holds. */
function unmappedDetail(program: MappingProgram, scope: Scope): string {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const rule of program.rules) {
    const label = fieldLabel(rule.matcher.field);
    if (seen.has(label)) continue;
    seen.add(label);
    if (parts.length === 5) {
      parts.push('…');
      break;
    }
    parts.push(describeResolved(rule.matcher.field, resolveField(rule.matcher.field, scope)));
  }
  return detail(`no rule matched: ${parts.join(', ')}`);
}

function applyElement(
  program: MappingProgram,
  scope: Scope,
  index: number,
  context: MappingContext,
): ElementResult {
  for (const [i, filter] of program.filters.entries()) {
    const resolved = resolveField(filter.field, scope);
    if (!testMatcher(filter, resolved)) {
      return {
        kind: 'filtered',
        index,
        rule: `filters[${i}]`,
        detail: detail(`not (${filter.description}): ${describeResolved(filter.field, resolved)}`),
      };
    }
  }
  const rule = program.rules.find((r) => testMatcher(r.matcher, resolveField(r.matcher.field, scope)));
  if (rule === undefined) return { kind: 'unmapped', index, detail: unmappedDetail(program, scope) };
  if (rule.action === 'ignore') {
    const resolved = resolveField(rule.matcher.field, scope);
    return {
      kind: 'ignored',
      index,
      rule: rule.label,
      detail: detail(describeResolved(rule.matcher.field, resolved)),
    };
  }

  const title =
    truncate(
      render(program.title, scope).replace(CONTROLS, ' ').replace(/\s+/g, ' ').trim(),
      MAPPING_LIMITS.title,
    ) || UNTITLED_EVENT;
  const key = render(program.dedupKey, scope).trim();
  const group = render(program.groupKey, scope).trim();
  const rendered = render(program.description, scope).trim();
  const description =
    rendered === ''
      ? safeStringify(scope.element, {
          pretty: true,
          maxLength: MAPPING_LIMITS.description,
          maxDepth: MAPPING_LIMITS.descriptionDepth,
        })
      : truncate(rendered, MAPPING_LIMITS.description);
  const service = render(program.service, scope).trim().slice(0, MAPPING_LIMITS.service).trim();
  return {
    kind: 'event',
    index,
    action: rule.action,
    dedupKey: key === '' ? fallbackDedupKey(context.integrationId, title) : fitDedupKey(key),
    dedupKeyFallback: key === '',
    groupKey: group === '' ? null : fitDedupKey(group),
    title,
    description,
    severity: severityOf(program.severity, scope),
    service: service === '' ? null : service,
    rule: rule.label,
  };
}

/**
 * Runs a mapping on one inbound payload: one result per element (the payload itself without `each`),
 * in order. Bounded in cost whatever the payload holds: `each` arrays over MAX_EVENTS_PER_HOOK are
 * refused unread, paths stop at their depth, patterns run in linear time on at most 64 KiB.
 */
export function applyMapping(
  mapping: CompiledMapping,
  payload: unknown,
  context: MappingContext,
): MappingOutcome {
  const program = programOf(mapping);
  const headers = context.headers ?? {};
  const elements: unknown[] = [];
  if (program.each === null) {
    elements.push(payload);
  } else {
    const name = quote(program.each.source);
    const list = resolvePath(program.each, { element: payload, root: payload, headers });
    if (list === undefined || list === null) {
      return { kind: 'invalid', detail: `each ${name} is missing from the payload` };
    }
    if (!Array.isArray(list)) {
      return { kind: 'invalid', detail: `each ${name} is ${kindOf(list)}, not an array` };
    }
    if (list.length > MAX_EVENTS_PER_HOOK) {
      return {
        kind: 'invalid',
        detail: `each ${name} holds ${list.length} elements; at most ${MAX_EVENTS_PER_HOOK} events per message`,
      };
    }
    for (let i = 0; i < list.length; i += 1) {
      elements.push(
        resolvePath({ source: '', root: false, segments: [i] }, { element: list, root: payload }),
      );
    }
  }
  return {
    kind: 'elements',
    elements: elements.map((element, index) =>
      applyElement(program, { element, root: payload, headers }, index, context),
    ),
  };
}
