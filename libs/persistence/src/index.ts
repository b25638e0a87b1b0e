export * from './cursor';
export * from './data-source';
export * from './database';
export * from './inbox';
export * from './inbox.entity';
export * from './inbox.migration';
export * from './persistence.module';
