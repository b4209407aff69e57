// The runs `npm run bench:ia` compares (scripts/bench-ia.ts): publish-iso and the real `ia upload`
// against the same IA emulator, each under /usr/bin/time -v, measured and printed as one row.
import { execFile } from "node:child_process";
import * as path from "node:path";
import { promisify } from "node:util";
import { IaEmulator } from "../fixtures/servers/ia-emulator";

const ROOT = path.resolve(__dirname, "..");
export const MiB = 1024 * 1024;
export const exec = promisify(execFile);

export interface Run {
  tool: string;
  ok: boolean;
  wallS: number;
  transferS: number;
  peakRssMb: number;
  cpuS: number;
  emulatorCpuS: number;
  bytesReceived: number;
  note: string;
  /** The tool md5s the whole file (publish-iso, ia --verify): its CPU per GiB is shown with and without that. */
  hashes: boolean;
}

export function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

/** Each figure's median over runs of one tool (a failed run fails the row). */
export function medianRun(runs: readonly Run[]): Run {
  const of = (pick: (r: Run) => number) => median(runs.map(pick));
  const failed = runs.find((r) => !r.ok);
  return {
    ...(failed ?? runs[0]),
    wallS: of((r) => r.wallS),
    transferS: of((r) => r.transferS),
    peakRssMb: of((r) => r.peakRssMb),
    cpuS: of((r) => r.cpuS),
    emulatorCpuS: of((r) => r.emulatorCpuS),
  };
}

/** One run of a tool under /usr/bin/time -v: its peak RSS and CPU (children such as md5sum included). */
export async function timed(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ ok: boolean; wallS: number; peakRssMb: number; cpuS: number; emulatorCpuS: number; stderr: string; end: number }> {
  const started = Date.now();
  const emulatorCpu = process.cpuUsage(); // the emulator runs in this process
  let stderr = "";
  let ok = true;
  try {
    stderr = (await exec("/usr/bin/time", ["-v", cmd, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 * MiB })).stderr;
  } catch (err) {
    ok = false;
    stderr = (err as { stderr?: string }).stderr ?? String(err);
  }
  const rssKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1] ?? "0");
  const seconds = (label: string) => Number(new RegExp(`${label} time \\(seconds\\): ([\\d.]+)`).exec(stderr)?.[1] ?? "0");
  const emulator = process.cpuUsage(emulatorCpu);
  return {
    ok,
    wallS: (Date.now() - started) / 1000,
    peakRssMb: rssKb / 1024,
    cpuS: seconds("User") + seconds("System"),
    emulatorCpuS: (emulator.user + emulator.system) / 1e6,
    stderr,
    end: Date.now(),
  };
}

export interface UploadSetup {
  readonly file: string;
  readonly size: number;
  readonly partSize: number;
  /** The ia.ini both tools read their keys from. */
  readonly ini: string;
  readonly iaBin: string;
}

/** Both tools uploading `setup.file` to `ia`, and the report's rows as they come. */
export class UploadRuns {
  readonly rows: string[] = [];
  /** md5sum's CPU for the file: what the tools that hash it spend besides sending. */
  md5CpuS = 0;

  constructor(
    readonly ia: IaEmulator,
    readonly setup: UploadSetup,
  ) {}

  /**
   * publish-iso as shipped: the compiled command (2 parts in flight unless `extra` says
   * otherwise), or, for the memory comparison, the same source under ts-node.
   */
  async ours(id: string, extra: string[] = [], runtime: "compiled" | "ts-node" = "compiled"): Promise<Run> {
    const { file, ini, partSize } = this.setup;
    const entry =
      runtime === "compiled"
        ? [path.join(ROOT, "dist/scripts/publish-iso.js")]
        : ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts/publish-iso.ts")];
    const args = ["--identifier", id, "--file", file, "--config-file", ini, "--no-derive", "--torrent-wait", "0", "--part-size", String(partSize / MiB)];
    const r = await timed(process.execPath, [...entry, ...args, "--retry-delay", "1", ...extra], {
      IA_S3_URL: this.ia.url,
      IA_URL: this.ia.url,
      TS_NODE_TRANSPILE_ONLY: "1",
    });
    const tool = ["publish-iso", ...extra, ...(runtime === "ts-node" ? ["(ts-node)"] : [])].join(" ");
    return this.measured(id, r, { tool, hashes: true, note: r.ok ? "" : (r.stderr.split("\n").find((l) => l.startsWith("error:")) ?? "") });
  }

  async theirs(id: string, verify = false): Promise<Run> {
    const { file, ini, iaBin } = this.setup;
    const r = await timed(iaBin, ["-i", "upload", id, file, "--no-derive", "--retries", "3", "--sleep", "1", ...(verify ? ["--verify"] : [])], {
      http_proxy: this.ia.url,
      HTTP_PROXY: this.ia.url,
      no_proxy: "",
      NO_PROXY: "",
      IA_CONFIG_FILE: ini,
    });
    const last =
      r.stderr
        .split("\n")
        .filter((l) => /error|Error/.test(l))
        .slice(-1)[0] ?? "";
    return this.measured(id, r, { tool: verify ? "ia --verify" : "ia upload", hashes: verify, note: r.ok ? "" : last.trim().slice(0, 160) });
  }

  row(label: string, run: Run): string {
    const { size } = this.setup;
    const gib = size / (1024 * MiB);
    const mibs = size / MiB / run.transferS;
    // Besides md5: the tool's CPU less what md5sum takes for the same file, so the send paths compare.
    const perGib = `CPU/GiB ${(run.cpuS / gib).toFixed(2)} s, besides md5 ${((run.cpuS - (run.hashes ? this.md5CpuS : 0)) / gib).toFixed(2)} s`;
    const outcome = run.ok
      ? `${mibs.toFixed(0).padStart(5)} MiB/s  peak RSS ${run.peakRssMb.toFixed(0).padStart(4)} MB  re-sent ${((run.bytesReceived - size) / MiB).toFixed(1).padStart(7)} MiB  ` +
        `CPU ${run.cpuS.toFixed(1).padStart(4)} s (emulator ${run.emulatorCpuS.toFixed(1)} s)  ${perGib}`
      : `failed after sending ${(run.bytesReceived / MiB).toFixed(1)} MiB: ${run.note}`;
    return `${label.padEnd(24)} ${run.tool.padEnd(26)} ${run.ok ? "ok  " : "FAIL"} wall ${run.wallS.toFixed(1).padStart(6)} s  transfer ${run.transferS.toFixed(1).padStart(6)} s  ${outcome}`;
  }

  show(label: string, run: Run): void {
    this.note(this.row(label, run));
  }

  /** A row of the report, echoed on stderr as it comes so a long benchmark shows progress. */
  note(line: string): void {
    this.rows.push(line);
    console.error(line);
  }

  private measured(id: string, r: Awaited<ReturnType<typeof timed>>, about: Pick<Run, "tool" | "hashes" | "note">): Run {
    return {
      ...about,
      ok: r.ok,
      wallS: r.wallS,
      transferS: (r.end - this.firstRequest(id)) / 1000,
      peakRssMb: r.peakRssMb,
      cpuS: r.cpuS,
      emulatorCpuS: r.emulatorCpuS,
      bytesReceived: this.received(id),
    };
  }

  private received(id: string): number {
    return this.ia.requests.filter((r) => r.path.startsWith(`/${id}/`)).reduce((s, r) => s + r.bodyBytes, 0);
  }

  /**
   * The window starts at the tool's first request about the item (its metadata read), so a
   * checksum pass before the upload counts, and interpreter start-up does not.
   */
  private firstRequest(id: string): number {
    return this.ia.requests.find((r) => r.path.includes(id))?.at ?? Date.now();
  }
}
