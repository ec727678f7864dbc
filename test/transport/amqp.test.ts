import { AmqpTransport } from '../../src/transports/amqp/index.js';
import { ensureRabbitMq } from '../helpers/rabbitmq.js';
import { runTransportConformance } from './conformance.js';

runTransportConformance('amqp (RabbitMQ)', async () => {
  const url = await ensureRabbitMq();
  return {
    connect: () => AmqpTransport.connect(url, { name: 'tidings-conformance' }),
    deadLetterQueue: (queue) => `${queue}.dlq`,
    close: async () => undefined,
  };
});
