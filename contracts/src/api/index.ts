import { authApi } from './auth';
import { usersApi } from './users';
import { directoryApi } from './directory';
import { regulationsApi } from './regulations';
import { auditApi } from './audit';
import { casesApi } from './cases';
import { deadlinesApi } from './deadlines';
import { remindersApi } from './reminders';
import type { RouteDef } from './route';

export * from './route';
export * from './auth';
export * from './users';
export * from './directory';
export * from './regulations';
export * from './audit';
export * from './cases';
export * from './deadlines';
export * from './reminders';

/** Every operation of the API, by module. The OpenAPI document is generated from this. */
export const API = {
  auth: authApi,
  users: usersApi,
  directory: directoryApi,
  regulations: regulationsApi,
  audit: auditApi,
  cases: casesApi,
  deadlines: deadlinesApi,
  reminders: remindersApi,
} satisfies Record<string, Record<string, RouteDef>>;

for (const [moduleName, operations] of Object.entries(API)) {
  for (const [name, def] of Object.entries(operations)) (def as RouteDef).operationId = `${moduleName}.${name}`;
}
