import { Injectable } from '@nestjs/common';
import type { HookRoute } from '@tocsin/contracts';
import {
  compileMapping,
  findTemplate,
  MappingError,
  TEMPLATES,
  type CompiledMapping,
  type IntegrationTemplate,
} from '@tocsin/mapping';
import { RpcFailure } from '@tocsin/messaging';
import type { Integration } from './integration.entity';

/**
 * Compiled mappings, one per integration, compiled again only when the integration changed.
 * Hooks that came in by POST /v2/enqueue are PagerDuty events whatever the integration's own
 * mapping reads, so they use the `pagerduty` template unless the integration was made from it.
 */
@Injectable()
export class MappingsService {
  private readonly compiled = new Map<string, { version: number; mapping: CompiledMapping }>();
  private readonly pagerduty = compileMapping(requireTemplate('pagerduty').mapping);

  /** The mapping a hook of this integration goes through; throws MappingError if it no longer compiles. */
  forHook(integration: Integration, route: HookRoute = 'hooks'): CompiledMapping {
    if (route === 'pagerduty' && integration.template !== 'pagerduty') return this.pagerduty;
    const version = integration.updatedAt.getTime();
    const cached = this.compiled.get(integration.id);
    if (cached && cached.version === version) return cached.mapping;
    const mapping = compileMapping(documentOf(integration));
    this.compiled.set(integration.id, { version, mapping });
    if (this.compiled.size > 10_000) this.compiled.delete(this.compiled.keys().next().value as string);
    return mapping;
  }

  /** A document a user wants to save or try, compiled; a 400 naming each bad rule otherwise. */
  compileForSave(document: unknown): CompiledMapping {
    try {
      return compileMapping(document);
    } catch (error) {
      if (error instanceof MappingError) throw RpcFailure.invalid(error.errors.map((e) => `mapping.${e}`));
      throw error;
    }
  }

  /** The template a create names (or `generic` when it names neither template nor mapping). */
  template(name: string): IntegrationTemplate {
    const template = findTemplate(name);
    if (!template) {
      throw RpcFailure.invalid([
        `template "${name.slice(0, 100)}" is not one of ${TEMPLATES.map((t) => t.name).join(', ')}`,
      ]);
    }
    return template;
  }
}

/** Integrations saved with an empty mapping read as `generic`. */
function documentOf(integration: Integration): unknown {
  return Object.keys(integration.mapping).length === 0
    ? requireTemplate('generic').mapping
    : integration.mapping;
}

function requireTemplate(name: string): IntegrationTemplate {
  const template = findTemplate(name);
  if (!template) throw new Error(`the ${name} template is missing from @tocsin/mapping`);
  return template;
}
