export * from './errors';
export * from './roles';
export * from './directory';
export * from './regulations';
export * from './api';
export * from './password';
export * from './mask';
export * from './process';
