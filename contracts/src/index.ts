// First: decides how zod parses before any schema below is built (see zod-setup.ts).
import './zod-setup';
export * from './errors';
export * from './roles';
export * from './directory';
export * from './regulations';
export * from './api';
export * from './password';
export * from './mask';
export * from './process';
export * from './time';
