export * from './bootstrap';
export * from './health.controller';
export * from './health.module';
export * from './http-error.filter';
export * from './logging';
export * from './json-body';
export * from './periodic-task';
export * from './group-commit';
