export * from './deadlines';
export * from './definition';
