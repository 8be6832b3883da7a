/**
 * Run as a child process by the logging tests: the real console transport (stderr) and the
 * real end of a short CLI run. Arguments: <logs dir> <lines> <exit|natural> [tty].
 */
import { createWinstonLogger } from '../../../src/logging/winston.js';

const [dir = '', linesArg = '1', ending = 'natural', tty] =
  process.argv.slice(2);
const handle = createWinstonLogger(
  { level: 'info', dir, file: true, maxFiles: 14, json: false },
  { mode: 'cli', instance: 'child', stderrIsTty: tty === 'tty' },
);
const lines = Number(linesArg);
for (let i = 0; i < lines; i++) {
  handle.logger.info('Row batch written', { event: 'run.progress', seq: i });
}
handle.logger.debug('Not at info level', { event: 'file.parsed' });
handle.logger.error('Run finished', { event: 'file.failed', last: true });
await handle.close();
if (ending === 'exit') {
  // What the CLI does after its last await: exit at once, with whatever is still buffered.
  process.exit(0);
}
