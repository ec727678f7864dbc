import { createTestDatabase } from '../helpers/postgres.js';
import { runStoreConformance } from './conformance.js';

runStoreConformance('PostgreSQL', async () => {
  const database = await createTestDatabase('store');
  return { options: { url: database.url }, close: () => database.drop() };
});
