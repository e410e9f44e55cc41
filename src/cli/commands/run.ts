import { parseArgs } from 'node:util';
import type { Command } from '../command.js';
import { ElError } from '../../domain/errors.js';
import { loadConfigDir } from '../../config/load-config-dir.js';
import { createLogger } from '../../observability/logger.js';
import { createRegistry } from '../../observability/metrics.js';
import { parseHostPort } from '../../adapters/http/admin.js';
import { startDaemon } from '../../daemon/daemon.js';
import { roleFactories } from '../../daemon/role-factories.js';
import { createKafkaLagMonitor } from '../../supervision/kafka-lag-monitor.js';
import { createKafka } from '../../adapters/kafka/kafka-client.js';

const help = `usage: eventlogging run --config-dir DIR [--admin HOST:PORT]

Runs every role configured in DIR as one supervised daemon. Each file DIR/<kind>/<name>
(kinds: intakes, processors, consumers) holds that role's arguments, one per line, exactly as
the role's own command takes them (eventlogging intake|processor|consumer ...).

Every file is validated at start; any mistake stops the daemon with exit code 2 and a message
naming the file and the argument. The admin HTTP server (default 127.0.0.1:9180) serves
/metrics (Prometheus), /healthz, /readyz and /status.

SIGHUP re-reads DIR (validated as at start): roles whose file appeared are started, roles whose
file is gone are drained and stopped, roles whose arguments changed are restarted (and see the
schema files as they are now); the others keep running. A new configuration with any mistake is
logged and ignored: the running roles are kept.

SIGTERM or SIGINT drains every role (flush, insert, commit) and exits 0.
Logs are JSON lines on stdout; LOG_LEVEL sets the level (default info).`;

/** `eventlogging run`: the daemon. */
export const runCommand: Command = {
  name: 'run',
  summary: 'Run every configured role (intakes, processors, consumers) as one supervised daemon.',
  help,
  async run(args, io) {
    const { values } = parseArgs({
      args: [...args],
      options: { 'config-dir': { type: 'string' }, admin: { type: 'string' } },
      strict: true,
    });
    const dir = values['config-dir'];
    if (!dir) throw new ElError('EL_USAGE', '--config-dir DIR is required');
    let admin: { host: string; port: number };
    try {
      admin = parseHostPort(values.admin ?? '127.0.0.1:9180');
    } catch (error) {
      throw new ElError('EL_USAGE', `--admin: ${(error as Error).message}`);
    }
    const specs = loadConfigDir(dir);
    const logger = createLogger({ level: io.env.LOG_LEVEL ?? 'info' });
    const registry = createRegistry();
    // Lag monitor (Burrow rules, /v3/kafka API): its admin client uses the first consuming role's
    // brokers (and its client options, when the role reports them).
    const lagLogger = logger.child({ component: 'lag-monitor' });
    // A verdict on one or two commits is noise (rule 4 on a window that spans 0 ms fires at once
    // after a start): judge a partition once 3 of its 10 window slots are filled.
    const lagMonitor = createKafkaLagMonitor({
      registry, logger: lagLogger, minimumComplete: 0.3,
      createKafka: (brokers, client) => createKafka({ brokers, clientId: 'eventlogging-lag', client }, lagLogger),
    });
    const daemon = await startDaemon({ specs, factories: roleFactories, logger, registry, admin, lagMonitor });
    io.stopSignal.addEventListener('abort', () => daemon.stop('signal'), { once: true });
    // SIGHUP: re-read DIR. A bad new config is logged and the running roles are kept: a typo in
    // one file must never stop a working daemon.
    const onHangup = (): void => {
      let specs: ReturnType<typeof loadConfigDir>;
      try {
        specs = loadConfigDir(dir);
      } catch (error) {
        logger.error({ err: error }, 'reload refused: the new configuration is invalid; running roles kept');
        return;
      }
      daemon.reload(specs).catch((error: unknown) => logger.error({ err: error }, 'reload failed; running roles kept'));
    };
    process.on('SIGHUP', onHangup);
    const { exitCode } = await daemon.done.finally(() => process.off('SIGHUP', onHangup));
    logger.flush();
    return exitCode;
  },
};
