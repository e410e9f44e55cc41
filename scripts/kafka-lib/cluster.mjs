#!/usr/bin/env node
// Small metadata probes for scripts/kafka, on librdkafka (@confluentinc/kafka-javascript). Plain
// .mjs so it starts fast and needs no build.
//
//   node scripts/kafka-lib/cluster.mjs wait BROKERS IDS TIMEOUT_S [PID...]
//       Polls the cluster's metadata until every node id in IDS (comma-separated) is listed as
//       alive. Exits 0 when they are, 1 on timeout, 2 as soon as one of the given broker pids has
//       died (so a crash fails fast, not at the timeout).
//   node scripts/kafka-lib/cluster.mjs leader BROKERS TOPIC PARTITION
//       Prints the node id leading TOPIC/PARTITION. Exits 1 if it has no leader or is unknown.
//   node scripts/kafka-lib/cluster.mjs brokers BROKERS
//       Prints the ids of the brokers the cluster reports as alive, one per line.
//
// BROKERS is a comma-separated host:port list.
import rdkafka from '@confluentinc/kafka-javascript';

const { Producer } = rdkafka;
const [cmd, brokerList, ...rest] = process.argv.slice(2);

if (!cmd || !brokerList) {
  process.stderr.write('usage: cluster.mjs wait|leader|brokers BROKERS ...\n');
  process.exit(64);
}

const brokers = brokerList.split(',').filter(Boolean);

/**
 * The cluster's metadata (brokers, and `topic` if given) from a fresh client that fails fast and
 * says nothing: the caller does its own polling and reporting.
 */
async function metadata(topic) {
  const client = new Producer({
    'bootstrap.servers': brokers.join(','),
    'client.id': 'el-scripts-kafka',
    'allow.auto.create.topics': false,
    'socket.connection.setup.timeout.ms': 1000,
    'socket.timeout.ms': 3000,
    'reconnect.backoff.ms': 100,
    'reconnect.backoff.max.ms': 300,
    log_level: 0,
  });
  try {
    return await new Promise((resolve, reject) => {
      const options = topic === undefined ? { allTopics: false, timeout: 2000 } : { topic, allTopics: false, timeout: 2000 };
      client.connect(options, (err, data) => (err ? reject(err) : resolve(data)));
    });
  } finally {
    if (client.isConnected()) await new Promise((resolve) => client.disconnect(0, () => resolve()));
  }
}

/** True while a pid exists (signal 0 only checks). */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function aliveBrokerIds() {
  const { brokers: list } = await metadata();
  return list.map((b) => b.id).sort((x, y) => x - y);
}

async function waitFor(want, timeoutS, pids) {
  const deadline = Date.now() + timeoutS * 1000;
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const dead = pids.filter((p) => !alive(p));
    if (dead.length) {
      process.stderr.write(`broker process(es) exited: ${dead.join(' ')}\n`);
      return 2;
    }
    try {
      const ids = await aliveBrokerIds();
      if (want.every((id) => ids.includes(id))) {
        process.stdout.write(`${ids.join(' ')}\n`);
        return 0;
      }
      last = `brokers ${ids.join(' ') || 'none'} alive, waiting for ${want.join(' ')}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(500);
  }
  process.stderr.write(`cluster at ${brokers.join(',')} not ready after ${timeoutS}s: ${last}\n`);
  return 1;
}

async function leaderOf(topic, partition) {
  const { topics } = await metadata(topic);
  const p = topics.find((t) => t.name === topic)?.partitions.find((x) => x.id === partition);
  if (!p || p.leader < 0) {
    process.stderr.write(`no leader for ${topic}/${partition}\n`);
    return 1;
  }
  process.stdout.write(`${p.leader}\n`);
  return 0;
}

async function main() {
  switch (cmd) {
    case 'wait': {
      const [ids, timeoutS, ...pids] = rest;
      return waitFor(ids.split(',').map(Number), Number(timeoutS), pids.map(Number));
    }
    case 'leader': {
      const [topic, partition] = rest;
      return leaderOf(topic, Number(partition));
    }
    case 'brokers': {
      process.stdout.write((await aliveBrokerIds()).map((id) => `${id}\n`).join(''));
      return 0;
    }
    default:
      process.stderr.write(`unknown command: ${cmd}\n`);
      return 64;
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
