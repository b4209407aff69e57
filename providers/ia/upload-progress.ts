// Upload progress for a terminal: one line rewritten in place (percent, MiB, MiB/s). Hours-long ISO
// uploads (handbook 11.2: the 350-minute IA timeout) need visible progress; in CI logs (not a TTY)
// nothing is printed, so logs are not flooded with carriage returns.
export interface ProgressReporter {
  update(p: { name: string; sent: number; total: number }): void;
  clear(): void;
}

export function progressReporter(stream: NodeJS.WriteStream, intervalMs = 250): ProgressReporter {
  const started = Date.now();
  let last = 0;
  let shown = false;
  return {
    update({ name, sent, total }) {
      if (!stream.isTTY) return;
      const now = Date.now();
      if (now - last < intervalMs && sent < total) return;
      last = now;
      const mib = sent / 1048576;
      const rate = mib / Math.max(0.001, (now - started) / 1000);
      stream.write(
        `\r${name}: ${((100 * sent) / Math.max(1, total)).toFixed(1)}% ${mib.toFixed(0)}/${(total / 1048576).toFixed(0)} MiB ${rate.toFixed(1)} MiB/s\x1b[K`,
      );
      shown = true;
    },
    clear() {
      if (shown) stream.write("\r\x1b[K");
      shown = false;
    },
  };
}
