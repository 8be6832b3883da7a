import cliProgress from 'cli-progress';
import type { ProgressInfo } from '../pipeline/process-file.js';

/**
 * The progress bar of a long import: rows and percent of bytes, on stderr, only when a person is
 * watching (a TTY) and no machine output was asked for.
 */
export interface ProgressBar {
  update(progress: ProgressInfo): void;
  stop(): void;
}

const QUIET_BAR: ProgressBar = {
  update: () => undefined,
  stop: () => undefined,
};

/** Updates at most this often; a 1 000 000-row file must not spend its time drawing. */
const REDRAW_MS = 100;

export function createProgressBar(options: {
  enabled: boolean;
  stream: NodeJS.WritableStream | undefined;
  label: string;
}): ProgressBar {
  if (!options.enabled || !options.stream) {
    return QUIET_BAR;
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: options.stream,
      format: `${options.label} [{bar}] {percentage}% | {rows} rows | {eta_formatted} left`,
      hideCursor: true,
      clearOnComplete: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let lastDraw = 0;
  return {
    update(progress) {
      if (!started) {
        bar.start(Math.max(progress.sizeBytes, 1), 0, { rows: 0 });
        started = true;
      }
      const now = Date.now();
      if (now - lastDraw >= REDRAW_MS) {
        lastDraw = now;
        bar.update(progress.bytesRead, { rows: progress.rows });
      }
    },
    stop() {
      if (started) {
        bar.stop();
      }
    },
  };
}
