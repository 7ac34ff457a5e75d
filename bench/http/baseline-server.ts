import { randomUUID } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';
import { announce } from './child-protocol.js';

// The baseline: bare Fastify 5 and a pg Pool over a bare (id, jsonb) table, answering the same three requests
// as the Mekong server with the least work that gives the same answer: no authentication, validation,
// versions, history or audit, and one search index. Run as a child process.
const url = process.env.DATABASE_URL;
if (!url) throw new Error('baseline-server: set DATABASE_URL to the PostgreSQL URL (with its search_path)');

// The same pool size as the store's PostgreSQL client.
const pool = new pg.Pool({ connectionString: url, max: 10 });
// Identifier search: an expression index on the identifier values (a GIN index over the whole document would
// share one huge posting list for the system, which every patient has, and the planner then scans the table);
// containment checks the system. fastupdate off: no pending list to scan on every search.
await pool.query(`create table if not exists raw_patient (id text primary key, content jsonb not null);
  create index if not exists raw_patient_identifier on raw_patient
    using gin (jsonb_path_query_array(content, '$.identifier[*].value')) with (fastupdate = off)`);

const app = Fastify();
app.addContentTypeParser('application/fhir+json', { parseAs: 'string' }, app.getDefaultJsonParser('error', 'error'));

app.post('/fhir/R4/Patient', async (request, reply) => {
  const resource = { ...(request.body as object), id: randomUUID() };
  await pool.query('insert into raw_patient (id, content) values ($1, $2)', [resource.id, JSON.stringify(resource)]);
  return reply.code(201).header('location', `/fhir/R4/Patient/${resource.id}`).send(resource);
});

app.get<{ Params: { id: string } }>('/fhir/R4/Patient/:id', async (request, reply) => {
  const { rows } = await pool.query('select content from raw_patient where id = $1', [request.params.id]);
  return rows[0] ? reply.send(rows[0].content) : reply.code(404).send({ resourceType: 'OperationOutcome' });
});

app.get<{ Querystring: { identifier?: string } }>('/fhir/R4/Patient', async (request) => {
  const [system, value] = (request.query.identifier ?? '').split('|');
  const { rows } = await pool.query(
    `select content from raw_patient
      where jsonb_path_query_array(content, '$.identifier[*].value') @> $1 and content @> $2 limit 21`,
    [JSON.stringify([value]), JSON.stringify({ identifier: [{ system, value }] })],
  );
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    entry: rows.map((row) => ({ resource: row.content, search: { mode: 'match' } })),
  };
});

app.get('/readyz', async () => ({ status: 'ready' }));

await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
announce({ url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` });

process.once('SIGTERM', () => {
  void app.close().then(() => pool.end());
});
