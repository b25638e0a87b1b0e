export * from './backbone';
export * from './expect-eventually';
export * from './isolation';
export * from './ports';
export * from './service-processes';
export * from './schema-drift';
export * from './receivers';
export * from './private-servers';
