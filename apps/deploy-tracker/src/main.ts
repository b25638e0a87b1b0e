import 'reflect-metadata';
import { runService } from '@tocsin/platform';
import { DEPLOY_TRACKER_SERVICE } from './deploy-tracker.options';

void runService(DEPLOY_TRACKER_SERVICE);
