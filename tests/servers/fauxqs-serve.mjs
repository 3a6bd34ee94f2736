// Runs the fauxqs SQS/SNS emulator on 127.0.0.1 only (its own CLI listens on every interface), for the sqs:// tests.
// FAUXQS_DIR: where tests/servers/prepare.sh ran `npm install fauxqs@1.9.2`; FAUXQS_PORT: the port to listen on.
// Prints "fauxqs ready <address>" once it accepts requests; SIGTERM or SIGINT close it. State lives in memory only.
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const dir = process.env.FAUXQS_DIR;
const port = Number.parseInt(process.env.FAUXQS_PORT ?? "", 10);
if (!dir || !Number.isInteger(port)) {
  console.error("fauxqs-serve: set FAUXQS_DIR (the npm install directory) and FAUXQS_PORT");
  process.exit(2);
}

const { buildApp } = await import(pathToFileURL(join(dir, "node_modules", "fauxqs", "dist", "app.js")).href);
const server = buildApp({ logger: false });
const address = await server.listen({ host: "127.0.0.1", port });
console.log(`fauxqs ready ${address}`);
const close = () => server.close().finally(() => process.exit(0));
process.once("SIGTERM", close);
process.once("SIGINT", close);
