import { CreateApiKeys1763700003100 } from './1763700003100-CreateApiKeys';

/** api's migrations, oldest first. */
export const MIGRATIONS = [CreateApiKeys1763700003100];
