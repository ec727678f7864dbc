import { createTestDatabase } from '../helpers/postgres.js';
import { runQueryConformance } from './queries-conformance.js';

runQueryConformance('PostgreSQL', async () => {
  const database = await createTestDatabase('queries');
  return { options: { url: database.url }, close: () => database.drop() };
});
