export * from './errors';
export * from './money';
export * from './mask';
export * from './common';
export * from './auth';
export * from './accounts';
export * from './content';
export * from './time';
