import type { ServiceSuggestionView } from '@tocsin/contracts';
import type { ServiceSuggestion } from './service-suggestion.entity';

export function toSuggestionView(s: ServiceSuggestion): ServiceSuggestionView {
  return {
    id: s.id,
    alias: s.alias,
    deployCount: s.deployCount,
    firstSeenAt: s.firstSeenAt.toISOString(),
    lastSeenAt: s.lastSeenAt.toISOString(),
    status: s.status,
    serviceId: s.serviceId,
    resolvedAt: s.resolvedAt?.toISOString() ?? null,
  };
}
