// One probe of test/partitions/harness.ts, run as the user of the process it stands for: which
// other processes it reaches. Argv: NAME HOST PORT, where that process is reached (it listens for
// UDP there: TCP ports are taken by the real servers, UDP ones are free). Prints "ready", reads
// one JSON line {targets: [{name, host, port}], timeoutMs}, then prints one JSON line:
// {tcp: {name: reached}, heard: [names]}. A TCP connect needs both directions, a UDP datagram
// only one: together they tell which direction of a link is cut.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';

const [name, host, port] = process.argv.slice(2);
const heard = new Set();
const udp = createSocket('udp4');
udp.on('message', (message) => heard.add(String(message)));
udp.bind(Number(port), host, () => console.log('ready'));

/** A connect that is answered, even with a refusal (the process is down), means the link works. */
function reaches(target, timeoutMs) {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    const done = (reached) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(reached);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', (error) => done(error.code === 'ECONNREFUSED'));
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

createInterface({ input: process.stdin }).once('line', async (line) => {
  const { targets, timeoutMs } = JSON.parse(line);
  const tcp = Promise.all(targets.map((target) => reaches(target, timeoutMs)));
  // Three datagrams, in case one is sent before a peer's probe has read its own line.
  for (let n = 0; n < 3; n++) {
    for (const target of targets) udp.send(name, target.port, target.host);
    await sleep(timeoutMs / 4);
  }
  const reached = await tcp;
  await sleep(timeoutMs / 2);
  console.log(JSON.stringify({ tcp: Object.fromEntries(targets.map((t, i) => [t.name, reached[i]])), heard: [...heard] }));
  udp.close();
  process.exit(0);
});
