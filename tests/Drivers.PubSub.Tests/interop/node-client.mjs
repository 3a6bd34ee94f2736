// Another team's service on the official Node.js client (@google-cloud/pubsub), for PubSubInteropTests.
// PUBSUB_EMULATOR_HOST names the emulator. Prints one JSON document on stdout.
//   node node-client.mjs publish <project> <topic> <count>           publishes <count> messages with attributes and ordering key "order-7"
//   node node-client.mjs receive <project> <subscription> <count>    receives <count> messages, acks them
import { PubSub } from '@google-cloud/pubsub';

const [mode, projectId, name, countText] = process.argv.slice(2);
const count = Number(countText);
const pubsub = new PubSub({ projectId });

if (mode === 'publish') {
  const topic = pubsub.topic(name, { messageOrdering: true });
  const ids = [];
  for (let i = 0; i < count; i++) {
    ids.push(await topic.publishMessage({
      data: Buffer.from(JSON.stringify({ seq: i, total: 42 })),
      attributes: { 'content-type': 'application/json', 'x-tenant': 'acme', seq: String(i) },
      orderingKey: 'order-7',
    }));
  }
  console.log(JSON.stringify({ ids }));
  await pubsub.close();
} else if (mode === 'receive') {
  const subscription = pubsub.subscription(name);
  const received = [];
  const timer = setTimeout(() => { console.log(JSON.stringify({ received, timedOut: true })); process.exit(2); }, 30000);
  subscription.on('error', (e) => { console.error(e); process.exit(3); });
  subscription.on('message', (m) => {
    received.push({ id: m.id, data: m.data.toString('utf8'), attributes: m.attributes, orderingKey: m.orderingKey });
    m.ack();
    if (received.length === count) {
      clearTimeout(timer);
      console.log(JSON.stringify({ received }));
      subscription.close().then(() => pubsub.close()).then(() => process.exit(0));
    }
  });
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(64);
}
