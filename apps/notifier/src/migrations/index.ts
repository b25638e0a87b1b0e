import { CreateIncidentEvents1763700002100 } from './1763700002100-CreateIncidentEvents';
import { CreatePeople1763700002200 } from './1763700002200-CreatePeople';
import { CreateOnCall1763700002300 } from './1763700002300-CreateOnCall';
import { CreatePaging1763700002400 } from './1763700002400-CreatePaging';

/** notifier's migrations, oldest first. */
export const MIGRATIONS = [
  CreateIncidentEvents1763700002100,
  CreatePeople1763700002200,
  CreateOnCall1763700002300,
  CreatePaging1763700002400,
];
