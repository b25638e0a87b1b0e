import { SCHEMA_BY_APP } from '@tocsin/config';
import type { SchemaOptions } from '@tocsin/persistence';
import { Incident } from './incidents/incident.entity';
import { MIGRATIONS } from './migrations';

/** The schema this service owns: its entities and the migrations that build them. */
export const SCHEMA: SchemaOptions = {
  schema: SCHEMA_BY_APP['incident-state'],
  entities: [Incident],
  migrations: MIGRATIONS,
};
