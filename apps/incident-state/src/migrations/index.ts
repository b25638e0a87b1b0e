import { CreateIncidents1763700001100 } from './1763700001100-CreateIncidents';

/** incident-state's migrations, oldest first. */
export const MIGRATIONS = [CreateIncidents1763700001100];
