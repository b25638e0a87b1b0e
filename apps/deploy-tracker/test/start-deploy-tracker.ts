import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { runService } from '@tocsin/platform';
import { freePort, type TestInstallation } from '@tocsin/testing';
import { DEPLOY_TRACKER_SERVICE } from '../src/deploy-tracker.options';

/**
 * Starts one deploy-tracker in this process, as main.ts does, on the installation's NATS and
 * database and a free port. The settings go into `process.env` (restore it after the suite); a
 * failed start throws instead of exiting the test run.
 */
export async function startDeployTracker(installation: TestInstallation): Promise<NestFastifyApplication> {
  Object.assign(process.env, {
    NATS_URL: installation.natsUrl,
    DATABASE_URL: installation.databaseUrl,
    TOCSIN_PREFIX: installation.prefix,
    DEPLOY_TRACKER_PORT: String(await freePort()),
    LOG_LEVEL: 'silent',
  });
  const exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
    throw new Error(`deploy-tracker did not start (exit ${String(code)}); see the error above`);
  });
  try {
    return await runService(DEPLOY_TRACKER_SERVICE);
  } finally {
    exit.mockRestore();
  }
}
