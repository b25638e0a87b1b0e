import type { MigrationInterface } from 'typeorm';

/** deploy-tracker's migrations, oldest first (its schema holds the inbox until deploys arrive). */
export const MIGRATIONS: (new () => MigrationInterface)[] = [];
