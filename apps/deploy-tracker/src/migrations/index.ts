import type { MigrationInterface } from 'typeorm';
import { CreateCatalogAndDeploys1763700004100 } from './1763700004100-CreateCatalogAndDeploys';

/** deploy-tracker's migrations, oldest first. */
export const MIGRATIONS: (new () => MigrationInterface)[] = [CreateCatalogAndDeploys1763700004100];
