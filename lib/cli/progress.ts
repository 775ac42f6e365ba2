import cliProgress from 'cli-progress';

/**
 * Progress for long work: a bar on a terminal (cli-progress), a line every tenth otherwise,
 * always on stderr so `--json` output stays clean.
 */
export function progressBar(label: string, total: number, enabled = true) {
  if (!enabled || total === 0) return { update: () => {}, stop: () => {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${label} [{bar}] {percentage}% | {value}/{total} | {last}`, stream: process.stderr, hideCursor: true },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { last: '' });
    return { update: (done: number, last = '') => bar.update(done, { last }), stop: () => bar.stop() };
  }
  let shown = -1;
  return {
    update: (done: number) => {
      const tenth = Math.floor((done / total) * 10);
      if (tenth !== shown) {
        shown = tenth;
        process.stderr.write(`${label}: ${done}/${total}\n`);
      }
    },
    stop: () => {},
  };
}
