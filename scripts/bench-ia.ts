// npm run bench:ia -- [--size-mib 1024] [--part-size-mib 64] [--link-mibps 64] [--repeat 1] [--dir /tmp]
// Benchmark (not a test): a 1 GiB upload to the local IA emulator, this client (`publish-iso`) vs
// the real `ia upload` (Debian internetarchive, through the forward-proxy recipe), side by side:
// throughput, peak RSS (/usr/bin/time -v), CPU, and bytes sent again when one 503 SlowDown hits at
// 90 % of the transfer. Two links: bare loopback (CPU-bound: the emulator hashes on the same cores)
// and an IA-like one where each connection is held to --link-mibps, as IA's S3 ingest holds one
// connection to a few MiB/s (internetarchive#415). Then `sha256sums` vs coreutils `sha256sum` on the
// same file. Targets: throughput >= ia's, peak RSS <= 80 MB, re-sent <= one part,
// sha256sums >= 0.9x sha256sum. The test file is generated under --dir and deleted at the end.
// --repeat N runs the bare-loopback tools N times, taking turns (so a burst of load on a shared
// machine hits them all alike), and reports the median of each figure.
import { execFile } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs, promisify } from "node:util";
import { fileSha256 } from "../providers/ia/sha256sums";
import { IaEmulator } from "../fixtures/servers/ia-emulator";
import { requireTool } from "../fixtures/system-tool";

const ROOT = path.resolve(__dirname, "..");
const MiB = 1024 * 1024;
const exec = promisify(execFile);

interface Run {
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

function median(values: readonly number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

/** Each figure's median over runs of one tool (a failed run fails the row). */
function medianRun(runs: readonly Run[]): Run {
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
async function timed(
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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "size-mib": { type: "string", default: "1024" },
      "part-size-mib": { type: "string", default: "64" },
      "link-mibps": { type: "string", default: "64" },
      repeat: { type: "string", default: "1" },
      dir: { type: "string", default: "/tmp" },
    },
  });
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat ${values.repeat}: expected a whole number >= 1`);
  const loadBefore = os.loadavg();
  const linkMibps = Number(values["link-mibps"]);
  const size = Number(values["size-mib"]) * MiB;
  const partSize = Number(values["part-size-mib"]) * MiB;
  const iaBin = requireTool("ia", "internetarchive");
  const sha256sum = requireTool("sha256sum", "coreutils");
  requireTool("time", "time");
  const work = fs.mkdtempSync(path.join(values.dir!, "bench-ia-"));
  const file = path.join(work, "margine-bench.iso");
  const ia = await new IaEmulator({ dir: path.join(work, "emulator"), keepBytes: false }).start();
  fs.mkdirSync(path.join(work, "emulator"), { recursive: true });
  ia.accounts.set("AKBENCH", "SKBENCH");
  const ini = path.join(work, "ia.ini");
  fs.writeFileSync(ini, "[s3]\naccess = AKBENCH\nsecret = SKBENCH\n");
  try {
    const out = fs.openSync(file, "w");
    for (let written = 0; written < size; written += 16 * MiB) fs.writeSync(out, crypto.randomBytes(Math.min(16 * MiB, size - written)));
    // Flush the new file to disk now: otherwise the kernel's writeback of 1 GiB of dirty pages
    // runs during whichever tool goes first, and the comparison measures the disk.
    fs.fsyncSync(out);
    fs.closeSync(out);
    console.error(`generated ${file} (${size / MiB} MiB)`);

    const received = (id: string) => ia.requests.filter((r) => r.path.startsWith(`/${id}/`)).reduce((s, r) => s + r.bodyBytes, 0);
    // The window starts at the tool's first request about the item (its metadata read), so a
    // checksum pass before the upload counts, and interpreter start-up does not.
    const firstRequest = (id: string) => ia.requests.find((r) => r.path.includes(id))?.at ?? Date.now();
    // publish-iso as shipped: the compiled command (2 parts in flight unless `extra` says
    // otherwise), or, for the memory comparison, the same source under ts-node.
    const ours = async (id: string, extra: string[] = [], runtime: "compiled" | "ts-node" = "compiled"): Promise<Run> => {
      const entry =
        runtime === "compiled"
          ? [path.join(ROOT, "dist/scripts/publish-iso.js")]
          : ["-r", "ts-node/register/transpile-only", path.join(ROOT, "scripts/publish-iso.ts")];
      const r = await timed(
        process.execPath,
        [
          ...entry,
          "--identifier",
          id,
          "--file",
          file,
          "--config-file",
          ini,
          "--no-derive",
          "--torrent-wait",
          "0",
          "--part-size",
          String(partSize / MiB),
          "--retry-delay",
          "1",
          ...extra,
        ],
        { IA_S3_URL: ia.url, IA_URL: ia.url, TS_NODE_TRANSPILE_ONLY: "1" },
      );
      return {
        tool: ["publish-iso", ...extra, ...(runtime === "ts-node" ? ["(ts-node)"] : [])].join(" "),
        hashes: true,
        ok: r.ok,
        wallS: r.wallS,
        transferS: (r.end - firstRequest(id)) / 1000,
        peakRssMb: r.peakRssMb,
        cpuS: r.cpuS,
        emulatorCpuS: r.emulatorCpuS,
        bytesReceived: received(id),
        note: r.ok ? "" : (r.stderr.split("\n").find((l) => l.startsWith("error:")) ?? ""),
      };
    };
    const theirs = async (id: string, verify = false): Promise<Run> => {
      const r = await timed(iaBin, ["-i", "upload", id, file, "--no-derive", "--retries", "3", "--sleep", "1", ...(verify ? ["--verify"] : [])], {
        http_proxy: ia.url,
        HTTP_PROXY: ia.url,
        no_proxy: "",
        NO_PROXY: "",
        IA_CONFIG_FILE: ini,
      });
      const last =
        r.stderr
          .split("\n")
          .filter((l) => /error|Error/.test(l))
          .slice(-1)[0] ?? "";
      return {
        tool: verify ? "ia --verify" : "ia upload",
        hashes: verify,
        ok: r.ok,
        wallS: r.wallS,
        transferS: (r.end - firstRequest(id)) / 1000,
        peakRssMb: r.peakRssMb,
        cpuS: r.cpuS,
        emulatorCpuS: r.emulatorCpuS,
        bytesReceived: received(id),
        note: r.ok ? "" : last.trim().slice(0, 160),
      };
    };

    const gib = size / (1024 * MiB);
    // Warm the page cache first so that neither tool pays for reading the file from disk.
    for await (const chunk of fs.createReadStream(file, { highWaterMark: 16 * MiB })) void chunk;
    // What verifying costs on these cores: publish-iso must md5 the file (IA reports md5, not sha256).
    // The median of 3: one run's CPU time grows when other work shares the cores, and every
    // "besides md5" figure below depends on it.
    const md5Cpu: number[] = [];
    for (let i = 0; i < 3; i++) md5Cpu.push((await timed("md5sum", [file], {})).cpuS);
    const md5CpuS = median(md5Cpu);

    const rows: string[] = [];
    const row = (label: string, run: Run) => {
      const mibs = size / MiB / run.transferS;
      // Besides md5: the tool's CPU less what md5sum takes for the same file, so the send paths compare.
      const perGib = `CPU/GiB ${(run.cpuS / gib).toFixed(2)} s, besides md5 ${((run.cpuS - (run.hashes ? md5CpuS : 0)) / gib).toFixed(2)} s`;
      const outcome = run.ok
        ? `${mibs.toFixed(0).padStart(5)} MiB/s  peak RSS ${run.peakRssMb.toFixed(0).padStart(4)} MB  re-sent ${((run.bytesReceived - size) / MiB).toFixed(1).padStart(7)} MiB  ` +
          `CPU ${run.cpuS.toFixed(1).padStart(4)} s (emulator ${run.emulatorCpuS.toFixed(1)} s)  ${perGib}`
        : `failed after sending ${(run.bytesReceived / MiB).toFixed(1)} MiB: ${run.note}`;
      return `${label.padEnd(24)} ${run.tool.padEnd(26)} ${run.ok ? "ok  " : "FAIL"} wall ${run.wallS.toFixed(1).padStart(6)} s  transfer ${run.transferS.toFixed(1).padStart(6)} s  ${outcome}`;
    };
    const show = (label: string, run: Run) => {
      rows.push(row(label, run));
      console.error(rows[rows.length - 1]);
    };
    const loopback: ((i: number) => Promise<Run>)[] = [
      (i) => ours(`bench-ours-clean-${i}`),
      (i) => ours(`bench-ours-tsnode-${i}`, [], "ts-node"),
      (i) => ours(`bench-ours-serial-${i}`, ["--parallel", "1"]),
      (i) => theirs(`bench-ia-clean-${i}`),
      (i) => theirs(`bench-ia-verify-${i}`, true),
    ];
    const loopbackRuns: Run[][] = loopback.map(() => []);
    for (let i = 0; i < repeat; i++) {
      for (const [k, run] of loopback.entries()) {
        loopbackRuns[k].push(await run(i));
        if (repeat > 1) console.error(row(`loopback, run ${i + 1}`, loopbackRuns[k][i]));
      }
    }
    for (const runs of loopbackRuns) show(repeat > 1 ? `loopback, median of ${repeat}` : "loopback", medianRun(runs));
    rows.push(
      `md5sum of the file alone: ${md5CpuS.toFixed(1)} s CPU (median of 3) - the work publish-iso does beside the upload and \`ia upload\` skips; ${os.cpus().length} cores here`,
    );
    console.error(rows[rows.length - 1]);

    // One 503 SlowDown when 90 % of the file has been sent: the part that holds byte 0.9*size for
    // this client, the single PUT for ia.
    const at = Math.floor(size * 0.9);
    const part = Math.floor(at / partSize) + 1;
    ia.faults.add({
      kind: "slowdown",
      method: "PUT",
      path: new RegExp(`^/bench-ours-503/.*partNumber=${part}&`),
      atByte: at - (part - 1) * partSize,
      times: 1,
    });
    show("503 at 90 %", await ours("bench-ours-503"));
    ia.faults.add({ kind: "slowdown", method: "PUT", path: /^\/bench-ia-503\//, atByte: at, times: 1 });
    const iaRun = await theirs("bench-ia-503");
    show("503 at 90 %", iaRun);
    if (!iaRun.ok) {
      // ia does not retry a connection IA closes mid-body (its #597, #625): the job fails and the
      // rerun starts the file from byte 0.
      show("503 at 90 %, rerun", await theirs("bench-ia-503")); // re-sent counts both attempts
    }

    if (linkMibps > 0) {
      // IA's S3 ingest holds each connection to a few MiB/s (internetarchive#415: 6-8 MiB/s from a
      // gigabit server); this is the case parts in flight exist for.
      ia.store.bytesPerSecond = linkMibps * MiB;
      show(`link ${linkMibps} MiB/s/conn`, await ours("bench-ours-link"));
      show(`link ${linkMibps} MiB/s/conn`, await theirs("bench-ia-link"));
      ia.store.bytesPerSecond = 0;
    }

    // sha256: in-process hashing (the tool's code path), then both tools end to end.
    const t0 = Date.now();
    const ourHex = await fileSha256(file);
    const inProcessS = (Date.now() - t0) / 1000;
    const t1 = Date.now();
    const coreHex = (await exec(sha256sum, [file])).stdout.split(" ")[0];
    const coreS = (Date.now() - t1) / 1000;
    const t2 = Date.now();
    await exec(process.execPath, [path.join(ROOT, "dist/scripts/sha256sums.js"), file, "--out", path.join(work, "SHA256SUMS")]);
    const cliS = (Date.now() - t2) / 1000;
    if (ourHex !== coreHex) throw new Error(`sha256 differs: ${ourHex} vs ${coreHex}`);
    const mib = size / MiB;
    rows.push(
      `sha256: coreutils sha256sum ${coreS.toFixed(2)} s (${(mib / coreS).toFixed(0)} MiB/s); sha256sums hashing ${inProcessS.toFixed(2)} s (${(mib / inProcessS).toFixed(0)} MiB/s, ${(coreS / inProcessS).toFixed(2)}x); ` +
        `sha256sums CLI end to end incl. start-up ${cliS.toFixed(2)} s (${(coreS / cliS).toFixed(2)}x)`,
    );
    rows.push(...(await startupRows()));
    const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
    console.log(
      `IA upload benchmark, ${mib} MiB file, part size ${partSize / MiB} MiB, emulator on 127.0.0.1 as a hashing sink (transfer = the tool's first request about the item to its exit)`,
    );
    console.log(
      "publish-iso hashes the file once (md5sum, beside the upload, low priority) and verifies its md5 and size through the metadata API; `ia upload` verifies nothing, `ia --verify` hashes first and sends Content-MD5.",
    );
    console.log(
      "CPU = the tool's user+system time under /usr/bin/time, start-up and children (md5sum) included; emulator = this process's CPU over the same run; " +
        "besides md5 = CPU less md5sum's CPU for the same file, for the tools that hash it (publish-iso, ia --verify).",
    );
    console.log(`load average (1, 5, 15 min): ${load(loadBefore)} at the start, ${load(os.loadavg())} at the end; ${os.cpus().length} cores`);
    for (const line of rows) console.log(line);
  } finally {
    await ia.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Start-up of a CLI that does nothing (a usage error, before any I/O), median of 5: the compiled
 * command against the same source under ts-node. Target: under 0.3 s compiled.
 */
async function startupRows(): Promise<string[]> {
  const median = async (args: string[]) => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t = process.hrtime.bigint();
      await exec(process.execPath, args).catch(() => undefined);
      times.push(Number(process.hrtime.bigint() - t) / 1e9);
    }
    return times.sort((a, b) => a - b)[2];
  };
  const rows: string[] = [];
  for (const cli of ["sha256sums", "promote"]) {
    const compiled = await median([path.join(ROOT, `dist/scripts/${cli}.js`), "--help"]);
    const tsNode = await median(["-r", "ts-node/register/transpile-only", path.join(ROOT, `scripts/${cli}.ts`), "--help"]);
    rows.push(`start-up ${cli} --help: compiled ${compiled.toFixed(3)} s, ts-node ${tsNode.toFixed(3)} s (${(tsNode / compiled).toFixed(1)}x)`);
  }
  return rows;
}

main().catch((err) => {
  console.error(`error: ${(err as Error).message}`);
  process.exitCode = 1;
});
