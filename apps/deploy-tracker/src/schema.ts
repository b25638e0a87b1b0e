import { SCHEMA_BY_APP } from '@tocsin/config';
import type { SchemaOptions } from '@tocsin/persistence';
import { Deploy } from './deploys/deploy.entity';
import { SuspectDeploy } from './incidents/suspect-deploy.entity';
import { TrackedIncident } from './incidents/tracked-incident.entity';
import { MIGRATIONS } from './migrations';
import { ServiceAlias } from './services/service-alias.entity';
import { Service } from './services/service.entity';
import { ServiceSuggestion } from './suggestions/service-suggestion.entity';

/** The schema this service owns: its entities and the migrations that build them. */
export const SCHEMA: SchemaOptions = {
  schema: SCHEMA_BY_APP['deploy-tracker'],
  entities: [Service, ServiceAlias, ServiceSuggestion, Deploy, TrackedIncident, SuspectDeploy],
  migrations: MIGRATIONS,
};
