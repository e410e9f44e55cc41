#!/usr/bin/env node
// Small kafkajs admin probes for scripts/kafka. Plain .mjs so it starts fast and needs no build.
//
//   node scripts/kafka-lib/cluster.mjs wait BROKERS IDS TIMEOUT_S [PID...]
//       Polls describeCluster until every node id in IDS (comma-separated) is listed as alive.
//       Exits 0 when they are, 1 on timeout, 2 as soon as one of the given broker pids has died
//       (so a crash fails fast, not at the timeout).
//   node scripts/kafka-lib/cluster.mjs leader BROKERS TOPIC PARTITION
//       Prints the node id leading TOPIC/PARTITION. Exits 1 if it has no leader or is unknown.
//   node scripts/kafka-lib/cluster.mjs brokers BROKERS
//       Prints the ids of the brokers the cluster reports as alive, one per line.
//
// BROKERS is a comma-separated host:port list.
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const [cmd, brokerList, ...rest] = process.argv.slice(2);

if (!cmd || !brokerList) {
  process.stderr.write('usage: cluster.mjs wait|leader|brokers BROKERS ...\n');
  process.exit(64);
}

const brokers = brokerList.split(',').filter(Boolean);

/** A fresh admin client that fails fast: the caller does its own polling. */
function admin() {
  const kafka = new Kafka({
    clientId: 'el-scripts-kafka',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 300 },
  });
  return kafka.admin();
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
  const a = admin();
  try {
    await a.connect();
    const { brokers: list } = await a.describeCluster();
    return list.map((b) => b.nodeId).sort((x, y) => x - y);
  } finally {
    await a.disconnect().catch(() => {});
  }
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
  const a = admin();
  try {
    await a.connect();
    const { topics } = await a.fetchTopicMetadata({ topics: [topic] });
    const p = topics[0]?.partitions.find((x) => x.partitionId === partition);
    if (!p || p.leader < 0) {
      process.stderr.write(`no leader for ${topic}/${partition}\n`);
      return 1;
    }
    process.stdout.write(`${p.leader}\n`);
    return 0;
  } finally {
    await a.disconnect().catch(() => {});
  }
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
