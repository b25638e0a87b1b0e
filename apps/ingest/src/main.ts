import 'reflect-metadata';
import { runService } from '@tocsin/platform';
import { INGEST_SERVICE } from './ingest.options';

void runService(INGEST_SERVICE);
