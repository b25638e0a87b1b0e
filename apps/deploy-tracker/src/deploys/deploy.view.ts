import type { DeployView } from '@tocsin/contracts';
import type { Deploy } from './deploy.entity';

export function toDeployView(d: Deploy, incidentCount: number): DeployView {
  return {
    id: d.id,
    serviceId: d.serviceId,
    service: d.alias,
    environment: d.environment,
    deployNumber: d.deployNumber,
    deployedAt: d.deployedAt.toISOString(),
    receivedAt: d.receivedAt.toISOString(),
    description: d.description,
    dedupId: d.dedupId,
    deployer: d.deployer,
    commit: d.commit,
    deployUrl: d.deployUrl,
    links: d.links,
    integrationId: d.integrationId,
    source: d.source,
    incidentCount,
  };
}
