import { API, type RouteDef } from '@lfxj/contracts';
import { startApp, type TestApp } from './support';

let t: TestApp;
beforeAll(async () => {
  t = await startApp();
});
afterAll(() => t.stop());

test('the OpenAPI document lists every operation with the schemas that validate it', async () => {
  const res = await t.http().get('/api/v1/openapi.json');
  expect(res.status).toBe(200);
  const doc = res.body;
  expect(doc.openapi).toBe('3.0.3');
  for (const def of Object.values(API).flatMap((ops) => Object.values(ops) as RouteDef[])) {
    const path = `/api/v1${def.path.replace(/:(\w+)/g, '{$1}')}`;
    expect(doc.paths[path]?.[def.method]?.operationId).toBe(def.operationId);
  }
  const login = doc.paths['/api/v1/auth/login'].post.requestBody.content['application/json'].schema;
  expect(login.properties.username).toMatchObject({ type: 'string', maxLength: 64, description: '用户名' });
  expect(login.additionalProperties).toBe(false);
  const users = doc.paths['/api/v1/users'].get;
  expect(users.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['page', 'pageSize', 'orgId']));
});
