import { SCHEMA_BY_APP } from '@tocsin/config';
import type { SchemaOptions } from '@tocsin/persistence';
import { IncidentEvent } from './incident-events/incident-event.entity';
import { MIGRATIONS } from './migrations';
import { Delivery, Escalation, Secret } from './paging/paging.entities';
import {
  PolicyRecord,
  ScheduleRecord,
  ScheduleUserRecord,
  StepRecord,
  TargetRecord,
} from './on-call/on-call.entities';
import { ContactMethod, NotificationRule, Team, TeamMember, User } from './people/people.entities';

/** The schema this service owns: its entities and the migrations that build them. */
export const SCHEMA: SchemaOptions = {
  schema: SCHEMA_BY_APP.notifier,
  entities: [
    IncidentEvent,
    User,
    ContactMethod,
    NotificationRule,
    Team,
    TeamMember,
    Escalation,
    Delivery,
    Secret,
    ScheduleRecord,
    ScheduleUserRecord,
    PolicyRecord,
    StepRecord,
    TargetRecord,
  ],
  migrations: MIGRATIONS,
};
