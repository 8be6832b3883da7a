import { createNotifier } from '../../notify/create-notifier.js';
import { createService } from '../../server/service.js';
import type { CommandContext } from '../context.js';
import { ExitCode } from '../exit-codes.js';

/**
 * `customer-import watch`: the service. Runs until SIGINT/SIGTERM (main.ts turns the first
 * signal into an abort): then it stops taking files, lets the current run finish, and exits 0.
 * With --once it imports what is in the folders now and exits.
 */
export async function watchCommand(
  flags: { once?: boolean },
  ctx: CommandContext,
): Promise<ExitCode> {
  const logger = await ctx.logger('service');
  const config = await ctx.config();
  const formats = await ctx.formats();
  const store = await ctx.store();
  const notifier = createNotifier(config.notify, {
    logger,
    instance: config.instanceName ?? 'customer-import',
  });
  const service = createService(
    config,
    { store, formats, logger, notifier },
    { once: flags.once ?? false },
  );

  const signal = ctx.io.signal;
  const stopped = new Promise<void>((resolve) => {
    if (signal?.aborted) {
      resolve();
    }
    signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  try {
    await service.start();
    if (flags.once) {
      await Promise.race([service.whenIdle(), stopped]);
    } else {
      await stopped;
    }
  } finally {
    await service.stop();
  }
  return ExitCode.OK;
}
