import { CreateIntegrations1763700000100 } from './1763700000100-CreateIntegrations';
import { CreateInboundMessages1763700000200 } from './1763700000200-CreateInboundMessages';
import { AddSigningDebugAndInboundEvents1763700000300 } from './1763700000300-AddSigningDebugAndInboundEvents';
import { AddIntegrationIncidentPolicy1763700000400 } from './1763700000400-AddIntegrationIncidentPolicy';
import { IndexInboundEventsIncident1763700000500 } from './1763700000500-IndexInboundEventsIncident';

/** normalize's migrations, oldest first. */
export const MIGRATIONS = [
  CreateIntegrations1763700000100,
  CreateInboundMessages1763700000200,
  AddSigningDebugAndInboundEvents1763700000300,
  AddIntegrationIncidentPolicy1763700000400,
  IndexInboundEventsIncident1763700000500,
];
