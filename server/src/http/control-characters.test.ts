import { createTestApp, signInBySms, signInStaff, type TestApp } from '../../test/harness';

/**
 * Every input the API documents (path and query parameters, every leaf of a JSON body) refuses a
 * NUL (U+0000) with 400 VALIDATION_FAILED naming the field. The routes are read from the OpenAPI
 * document, which is built from the same registry and schemas the routes validate with, so a route
 * or field added later is walked too.
 */

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
}

interface Operation {
  parameters: { name: string; in: 'path' | 'query' }[];
  requestBody?: { content: { 'application/json': { schema: JsonSchema } } };
  security?: unknown[];
  responses: Record<string, unknown>;
}

/** One place to put the NUL: where, and the field the answer must name (a comma list's item, `query.status.0`, names `query.status`). */
interface Probe {
  method: string;
  url: string;
  body?: unknown;
  auth: 'public' | 'user' | 'staff';
  field: string;
}

const NUL = '\u0000';

/** Each leaf of a JSON body schema, as the path to it and a body holding NUL there (arrays get one item). */
function bodyLeaves(schema: JsonSchema, path: string[] = []): { path: string[]; wrap: (v: unknown) => unknown }[] {
  const alternatives = [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])];
  if (alternatives.length) return alternatives.flatMap((alt) => bodyLeaves(alt, path));
  if (schema.properties) {
    // A union's branch is told by a constant (`title.kind: 'company'`): send it along, or the
    // validator stops at the missing discriminator and never reaches the leaf.
    const constants = Object.fromEntries(
      Object.entries(schema.properties).flatMap(([name, prop]): [string, unknown][] =>
        prop.const !== undefined ? [[name, prop.const]] : prop.enum?.length === 1 ? [[name, prop.enum[0]]] : [],
      ),
    );
    return Object.entries(schema.properties).flatMap(([name, prop]) =>
      bodyLeaves(prop, [...path, name]).map((leaf) => ({ path: leaf.path, wrap: (v: unknown) => ({ ...constants, [name]: leaf.wrap(v) }) })),
    );
  }
  if (schema.type === 'array' && schema.items) {
    return bodyLeaves(schema.items, [...path, '0']).map((leaf) => ({ path: leaf.path, wrap: (v: unknown) => [leaf.wrap(v)] }));
  }
  return [{ path, wrap: (v) => v }];
}

/** A well-formed value of the path parameters that are not numeric ids. */
const PATH_SAMPLES: Record<string, string> = { token: 'a'.repeat(32), accountNo: '1000000001', kind: 'blue' };

/** Every probe of the documented API: each path parameter, query parameter and body leaf in turn. */
function probesOf(openapi: { paths: Record<string, Record<string, Operation>> }): Probe[] {
  const probes: Probe[] = [];
  for (const [template, methods] of Object.entries(openapi.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const auth = !op.security ? 'public' : op.responses['403'] ? 'staff' : 'user';
      const pathParams = op.parameters.filter((p) => p.in === 'path').map((p) => p.name);
      const fill = (nulIn?: string) => template.replace(/\{(\w+)\}/g, (_, name: string) => (name === nulIn ? '%00' : (PATH_SAMPLES[name] ?? '1')));
      for (const name of pathParams) probes.push({ method, url: fill(name), auth, field: `params.${name}` });
      for (const p of op.parameters.filter((q) => q.in === 'query')) {
        probes.push({ method, url: `${fill()}?${p.name}=%00`, auth, field: `query.${p.name}` });
      }
      const body = op.requestBody?.content['application/json'].schema;
      for (const leaf of body ? bodyLeaves(body) : []) {
        if (leaf.path.length) probes.push({ method, url: fill(), body: leaf.wrap(NUL), auth, field: ['body', ...leaf.path].join('.') });
      }
    }
  }
  return probes;
}

let t: TestApp;
let probes: Probe[];
const tokens: Record<'user' | 'staff', string> = { user: '', staff: '' };
beforeAll(async () => {
  t = await createTestApp();
  tokens.user = await signInBySms(t, '13700000091', '10.91.0.1');
  tokens.staff = await signInStaff(t, 'admin1');
  probes = probesOf((await t.request.get('/api/v1/openapi.json').expect(200)).body);
});
afterAll(() => t.close());

test('the walk reaches the inputs the issue lists', () => {
  const fields = probes.map((p) => `${p.method} ${p.url.replace(/\?.*/, '')} ${p.field}`);
  expect(fields).toEqual(
    expect.arrayContaining([
      'get /api/v1/halls query.area',
      'get /api/v1/notices query.area',
      'get /api/v1/guides query.category',
      'get /api/v1/staff/audit-log query.entityType',
      'get /api/v1/staff/callbacks query.area',
      'post /api/v1/staff/auth/login body.username',
      'post /api/v1/tickets/1/information body.message',
      'post /api/v1/staff/content/notices body.title',
      'post /api/v1/staff/outages body.cause',
      'post /api/v1/staff/reconciliation/differences/1/resolve body.note',
      'post /api/v1/staff/content/guides body.steps.0',
      'post /api/v1/staff/surveys body.questions.0.options.0',
      'post /api/v1/staff/surveys body.audience.area',
      'post /api/v1/surveys/1/responses body.answers.0.text',
      'put /api/v1/public-surveys/1/draft body.visitorToken',
      'get /api/v1/public-surveys/1 query.visitorToken',
    ]),
  );
});

test('a NUL anywhere in a documented input answers 400 VALIDATION_FAILED naming that field, never 500', async () => {
  const wrong: string[] = [];
  let n = 0;
  for (const p of probes) {
    n += 1;
    // Each probe from its own address, so no rate limit answers before the validation does.
    const req = t.request[p.method as 'get'](p.url).set('X-Forwarded-For', `10.92.${n >> 8}.${n & 255}`);
    if (p.auth !== 'public') req.set('Authorization', `Bearer ${tokens[p.auth]}`);
    const res = await (p.body === undefined ? req : req.send(p.body as object));
    const named = res.status === 400 && res.body.error?.code === 'VALIDATION_FAILED' && (res.body.error.details?.issues ?? []).some((i: { path: string }) => i.path === p.field || i.path.startsWith(`${p.field}.`));
    if (!named) wrong.push(`${p.method.toUpperCase()} ${p.url} ${p.field}: ${res.status} ${JSON.stringify(res.body).slice(0, 160)}`);
  }
  expect(wrong).toEqual([]);
  expect(probes.length).toBeGreaterThan(200);
});
