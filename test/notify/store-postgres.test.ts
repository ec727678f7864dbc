import { createTestDatabase } from '../helpers/postgres.js';
import { runNotifyStoreConformance } from './store-conformance.js';

runNotifyStoreConformance('PostgreSQL', async () => {
  const database = await createTestDatabase('notify');
  return { options: { url: database.url }, close: () => database.drop() };
});
