import { SCHEMA_BY_APP } from '@tocsin/config';
import type { SchemaOptions } from '@tocsin/persistence';
import { InboundEvent } from './inbound/inbound-event.entity';
import { InboundMessage } from './inbound/inbound-message.entity';
import { Integration } from './integrations/integration.entity';
import { MIGRATIONS } from './migrations';

/** The schema this service owns: its entities and the migrations that build them. */
export const SCHEMA: SchemaOptions = {
  schema: SCHEMA_BY_APP.normalize,
  entities: [Integration, InboundMessage, InboundEvent],
  migrations: MIGRATIONS,
};
