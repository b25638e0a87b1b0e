import { CreateIncidents1763700001100 } from './1763700001100-CreateIncidents';
import { AddAlertsTimelineMaintenance1763700001200 } from './1763700001200-AddAlertsTimelineMaintenance';

/** incident-state's migrations, oldest first. */
export const MIGRATIONS = [CreateIncidents1763700001100, AddAlertsTimelineMaintenance1763700001200];
