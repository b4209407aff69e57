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
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileSha256 } from "../providers/ia/sha256sums";
import { IaEmulator } from "../fixtures/servers/ia-emulator";
import { requireTool } from "../fixtures/system-tool";
import { exec, median, medianRun, MiB, Run, timed, UploadRuns } from "./bench-ia-runs";
import { parseCommandLine } from "./cli";

const ROOT = path.resolve(__dirname, "..");
const USAGE = "usage: npm run bench:ia -- [--size-mib 1024] [--part-size-mib 64] [--link-mibps 64] [--repeat 1] [--dir /tmp]";

function benchOptions(argv: string[]) {
  const { values } = parseCommandLine(
    argv,
    {
      "size-mib": { type: "string", default: "1024" },
      "part-size-mib": { type: "string", default: "64" },
      "link-mibps": { type: "string", default: "64" },
      repeat: { type: "string", default: "1" },
      dir: { type: "string", default: "/tmp" },
    },
    USAGE,
  );
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat ${values.repeat}: expected a whole number >= 1`);
  return {
    repeat,
    dir: values.dir!,
    linkMibps: Number(values["link-mibps"]),
    size: Number(values["size-mib"]) * MiB,
    partSize: Number(values["part-size-mib"]) * MiB,
  };
}

async function main(): Promise<void> {
  const { repeat, dir, linkMibps, size, partSize } = benchOptions(process.argv.slice(2));
  const loadBefore = os.loadavg();
  const iaBin = requireTool("ia", "internetarchive");
  const sha256sum = requireTool("sha256sum", "coreutils");
  requireTool("time", "time");
  const work = fs.mkdtempSync(path.join(dir, "bench-ia-"));
  const file = path.join(work, "margine-bench.iso");
  const ia = await new IaEmulator({ dir: path.join(work, "emulator"), keepBytes: false }).start();
  fs.mkdirSync(path.join(work, "emulator"), { recursive: true });
  ia.accounts.set("AKBENCH", "SKBENCH");
  const ini = path.join(work, "ia.ini");
  fs.writeFileSync(ini, "[s3]\naccess = AKBENCH\nsecret = SKBENCH\n");
  try {
    generate(file, size);
    const runs = new UploadRuns(ia, { file, size, partSize, ini, iaBin });
    // Warm the page cache first so that neither tool pays for reading the file from disk.
    for await (const chunk of fs.createReadStream(file, { highWaterMark: 16 * MiB })) void chunk;
    runs.md5CpuS = await md5CpuSeconds(file);
    await onLoopback(runs, repeat);
    runs.note(
      `md5sum of the file alone: ${runs.md5CpuS.toFixed(1)} s CPU (median of 3) - the work publish-iso does beside the upload and \`ia upload\` skips; ${os.cpus().length} cores here`,
    );
    await withSlowDownAt90(runs);
    if (linkMibps > 0) {
      // IA's S3 ingest holds each connection to a few MiB/s (internetarchive#415: 6-8 MiB/s from a
      // gigabit server); this is the case parts in flight exist for.
      ia.store.bytesPerSecond = linkMibps * MiB;
      runs.show(`link ${linkMibps} MiB/s/conn`, await runs.ours("bench-ours-link"));
      runs.show(`link ${linkMibps} MiB/s/conn`, await runs.theirs("bench-ia-link"));
      ia.store.bytesPerSecond = 0;
    }
    runs.rows.push(await sha256Row(file, size, sha256sum, path.join(work, "SHA256SUMS")));
    runs.rows.push(...(await startupRows()));
    report(runs, size, partSize, loadBefore);
  } finally {
    await ia.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function generate(file: string, size: number): void {
  const out = fs.openSync(file, "w");
  for (let written = 0; written < size; written += 16 * MiB) fs.writeSync(out, crypto.randomBytes(Math.min(16 * MiB, size - written)));
  // Flush the new file to disk now: otherwise the kernel's writeback of 1 GiB of dirty pages
  // runs during whichever tool goes first, and the comparison measures the disk.
  fs.fsyncSync(out);
  fs.closeSync(out);
  console.error(`generated ${file} (${size / MiB} MiB)`);
}

/**
 * What verifying costs on these cores: publish-iso must md5 the file (IA reports md5, not sha256).
 * The median of 3: one run's CPU time grows when other work shares the cores, and every
 * "besides md5" figure depends on it.
 */
async function md5CpuSeconds(file: string): Promise<number> {
  const md5Cpu: number[] = [];
  for (let i = 0; i < 3; i++) md5Cpu.push((await timed("md5sum", [file], {})).cpuS);
  return median(md5Cpu);
}

/** The tools on bare loopback, `repeat` times taking turns, then each one's median. */
async function onLoopback(runs: UploadRuns, repeat: number): Promise<void> {
  const loopback: ((i: number) => Promise<Run>)[] = [
    (i) => runs.ours(`bench-ours-clean-${i}`),
    (i) => runs.ours(`bench-ours-tsnode-${i}`, [], "ts-node"),
    (i) => runs.ours(`bench-ours-serial-${i}`, ["--parallel", "1"]),
    (i) => runs.theirs(`bench-ia-clean-${i}`),
    (i) => runs.theirs(`bench-ia-verify-${i}`, true),
  ];
  const loopbackRuns: Run[][] = loopback.map(() => []);
  for (let i = 0; i < repeat; i++) {
    for (const [k, run] of loopback.entries()) {
      loopbackRuns[k].push(await run(i));
      if (repeat > 1) console.error(runs.row(`loopback, run ${i + 1}`, loopbackRuns[k][i]));
    }
  }
  for (const each of loopbackRuns) runs.show(repeat > 1 ? `loopback, median of ${repeat}` : "loopback", medianRun(each));
}

/**
 * One 503 SlowDown when 90 % of the file has been sent: the part that holds byte 0.9*size for
 * this client, the single PUT for ia.
 */
async function withSlowDownAt90(runs: UploadRuns): Promise<void> {
  const { size, partSize } = runs.setup;
  const at = Math.floor(size * 0.9);
  const part = Math.floor(at / partSize) + 1;
  runs.ia.faults.add({
    kind: "slowdown",
    method: "PUT",
    path: new RegExp(`^/bench-ours-503/.*partNumber=${part}&`),
    atByte: at - (part - 1) * partSize,
    times: 1,
  });
  runs.show("503 at 90 %", await runs.ours("bench-ours-503"));
  runs.ia.faults.add({ kind: "slowdown", method: "PUT", path: /^\/bench-ia-503\//, atByte: at, times: 1 });
  const iaRun = await runs.theirs("bench-ia-503");
  runs.show("503 at 90 %", iaRun);
  if (!iaRun.ok) {
    // ia does not retry a connection IA closes mid-body (its #597, #625): the job fails and the
    // rerun starts the file from byte 0.
    runs.show("503 at 90 %, rerun", await runs.theirs("bench-ia-503")); // re-sent counts both attempts
  }
}

/** sha256: in-process hashing (the tool's code path), then both tools end to end. */
async function sha256Row(file: string, size: number, sha256sum: string, out: string): Promise<string> {
  const t0 = Date.now();
  const ourHex = await fileSha256(file);
  const inProcessS = (Date.now() - t0) / 1000;
  const t1 = Date.now();
  const coreHex = (await exec(sha256sum, [file])).stdout.split(" ")[0];
  const coreS = (Date.now() - t1) / 1000;
  const t2 = Date.now();
  await exec(process.execPath, [path.join(ROOT, "dist/scripts/sha256sums.js"), file, "--out", out]);
  const cliS = (Date.now() - t2) / 1000;
  if (ourHex !== coreHex) throw new Error(`sha256 differs: ${ourHex} vs ${coreHex}`);
  const mib = size / MiB;
  return (
    `sha256: coreutils sha256sum ${coreS.toFixed(2)} s (${(mib / coreS).toFixed(0)} MiB/s); sha256sums hashing ${inProcessS.toFixed(2)} s (${(mib / inProcessS).toFixed(0)} MiB/s, ${(coreS / inProcessS).toFixed(2)}x); ` +
    `sha256sums CLI end to end incl. start-up ${cliS.toFixed(2)} s (${(coreS / cliS).toFixed(2)}x)`
  );
}

function report(runs: UploadRuns, size: number, partSize: number, loadBefore: number[]): void {
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
  console.log(
    `IA upload benchmark, ${size / MiB} MiB file, part size ${partSize / MiB} MiB, emulator on 127.0.0.1 as a hashing sink (transfer = the tool's first request about the item to its exit)`,
  );
  console.log(
    "publish-iso hashes the file once (md5sum, beside the upload, low priority) and verifies its md5 and size through the metadata API; `ia upload` verifies nothing, `ia --verify` hashes first and sends Content-MD5.",
  );
  console.log(
    "CPU = the tool's user+system time under /usr/bin/time, start-up and children (md5sum) included; emulator = this process's CPU over the same run; " +
      "besides md5 = CPU less md5sum's CPU for the same file, for the tools that hash it (publish-iso, ia --verify).",
  );
  console.log(`load average (1, 5, 15 min): ${load(loadBefore)} at the start, ${load(os.loadavg())} at the end; ${os.cpus().length} cores`);
  for (const line of runs.rows) console.log(line);
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
