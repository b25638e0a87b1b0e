import { SCHEMA_BY_APP } from '@tocsin/config';
import type { SchemaOptions } from '@tocsin/persistence';
import { Alert } from './incidents/alert.entity';
import { Incident } from './incidents/incident.entity';
import { TimelineEntry } from './incidents/timeline-entry.entity';
import { MaintenanceWindow } from './maintenance/maintenance-window.entity';
import { MIGRATIONS } from './migrations';

/** The schema this service owns: its entities and the migrations that build them. */
export const SCHEMA: SchemaOptions = {
  schema: SCHEMA_BY_APP['incident-state'],
  entities: [Incident, Alert, TimelineEntry, MaintenanceWindow],
  migrations: MIGRATIONS,
};
