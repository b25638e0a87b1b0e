import { SCHEMA_BY_APP } from '@tocsin/config';
import type { SchemaOptions } from '@tocsin/persistence';
import { IncidentEvent } from './incident-events/incident-event.entity';
import { MIGRATIONS } from './migrations';

/** The schema this service owns: its entities and the migrations that build them. */
export const SCHEMA: SchemaOptions = {
  schema: SCHEMA_BY_APP.notifier,
  entities: [IncidentEvent],
  migrations: MIGRATIONS,
};
