import { createTestDatabase } from '../helpers/postgres.js';
import { runDeliveryConformance } from './delivery-conformance.js';

runDeliveryConformance('PostgreSQL', async () => {
  const database = await createTestDatabase('delivery');
  return { options: { url: database.url }, close: () => database.drop() };
});
