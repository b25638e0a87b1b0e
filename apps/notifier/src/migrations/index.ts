import { CreateIncidentEvents1763700002100 } from './1763700002100-CreateIncidentEvents';

/** notifier's migrations, oldest first. */
export const MIGRATIONS = [CreateIncidentEvents1763700002100];
