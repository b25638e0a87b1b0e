export * from './names';
export * from './vocabulary';
export * from './envelope';
export * from './messages';
export * from './rpc';
export * from './incidents.rpc';
export * from './partition';
export * from './people.rpc';
