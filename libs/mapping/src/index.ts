export * from './dedup-key';
export * from './generic';
