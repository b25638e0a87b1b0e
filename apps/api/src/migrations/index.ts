import { CreateApiKeys1763700003100 } from './1763700003100-CreateApiKeys';
import { AddApiKeyLastUsed1763700003200 } from './1763700003200-AddApiKeyLastUsed';

/** api's migrations, oldest first. */
export const MIGRATIONS = [CreateApiKeys1763700003100, AddApiKeyLastUsed1763700003200];
