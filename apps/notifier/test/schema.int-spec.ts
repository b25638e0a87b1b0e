import { describeSchemaDrift } from '@tocsin/testing';
import { SCHEMA } from '../src/schema';

describeSchemaDrift('notifier', SCHEMA);
