import { aliasKey, type ServiceView } from '@tocsin/contracts';
import type { Service } from './service.entity';

/** The service as the api shows it; `aliases` in the order they were given, the name's first. */
export function toServiceView(s: Service, aliases: string[]): ServiceView {
  return {
    id: s.id,
    name: s.name,
    aliases: [
      ...aliases.filter((a) => aliasKey(a) === s.nameKey),
      ...aliases.filter((a) => aliasKey(a) !== s.nameKey),
    ],
    teamId: s.teamId,
    escalationPolicyId: s.escalationPolicyId,
    description: s.description,
    links: s.links,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}
