// npm run bench:resume -- [--size-mib 256] [--part-size-mib 16] [--kill-at 0.5]
// Benchmark (not a test): what a rerun costs after the first run is killed (SIGKILL) when --kill-at
// of the file has reached the IA emulator, for each way resume can degrade, next to `ia upload`
// killed at the same byte and run again. Re-sent = bytes IA received over both runs beyond the file
// itself. Cases: IA lists parts (ListParts), IA cannot list them (journal trusted), IA forgot the
// upload (start over), IA refuses multipart (one PUT per file, as `ia` does).
import { ChildProcess, spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EmulatorCapabilities } from "../fixtures/servers/ia/capabilities";
import { IaEmulator } from "../fixtures/servers/ia-emulator";
import { requireTool } from "../fixtures/system-tool";
import { parseCommandLine } from "./cli";

const ROOT = path.resolve(__dirname, "..");
const MiB = 1024 * 1024;
const USAGE = "usage: npm run bench:resume -- [--size-mib 256] [--part-size-mib 16] [--kill-at 0.5]";

interface Case {
  readonly label: string;
  readonly capabilities: Partial<EmulatorCapabilities>;
  /** Runs between the kill and the rerun (IA expiring the upload). */
  readonly between?: (ia: IaEmulator) => void;
}

const CASES: readonly Case[] = [
  { label: "ListParts answers (resume)", capabilities: {} },
  { label: "no ListParts (journal trusted)", capabilities: { listParts: 404, errorCodes: false } },
  { label: "upload expired (start over)", capabilities: { listParts: 501 }, between: (ia) => ia.expireUploads() },
  { label: "multipart refused (single PUT)", capabilities: { multipart: "refuse-start" } },
];

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.on("exit", (code) => resolve(code)));
}

interface Setup {
  readonly file: string;
  readonly size: number;
  readonly partMiB: number;
  /** The byte count IA has received when the first run is killed. */
  readonly killAt: number;
  /** The ia.ini both tools read their keys from. */
  readonly ini: string;
  readonly iaBin: string;
}

async function main(): Promise<void> {
  const { values } = parseCommandLine(
    process.argv.slice(2),
    {
      "size-mib": { type: "string", default: "256" },
      "part-size-mib": { type: "string", default: "16" },
      "kill-at": { type: "string", default: "0.5" },
    },
    USAGE,
  );
  const size = Number(values["size-mib"]) * MiB;
  const partMiB = Number(values["part-size-mib"]);
  const killAt = Math.floor(size * Number(values["kill-at"]));
  const iaBin = requireTool("ia", "internetarchive");
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "bench-resume-"));
  const file = path.join(work, "margine-bench.iso");
  fs.writeFileSync(file, crypto.randomBytes(size));
  const ini = path.join(work, "ia.ini");
  fs.writeFileSync(ini, "[s3]\naccess = AKBENCH\nsecret = SKBENCH\n");
  const rows: string[] = [];
  try {
    for (const c of [...CASES, undefined]) rows.push(await killedAndRerun({ file, size, partMiB, killAt, ini, iaBin }, c, `bench-resume-${rows.length}`));
    console.log(
      `Rerun after SIGKILL at ${Number(values["kill-at"]) * 100} % of a ${size / MiB} MiB file, part size ${partMiB} MiB, emulator on 127.0.0.1 (re-sent = received over both runs beyond the file)`,
    );
    for (const r of rows) console.log(r);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** One case's row: its first run SIGKILLed at `killAt`, then run again to the end. No case: `ia upload`. */
async function killedAndRerun(setup: Setup, c: Case | undefined, id: string): Promise<string> {
  const { size, killAt } = setup;
  const ia = await new IaEmulator().start();
  try {
    ia.accounts.set("AKBENCH", "SKBENCH");
    Object.assign(ia.capabilities, c?.capabilities ?? {});
    const command = () => (c ? publishIso(setup, ia, id) : iaUpload(setup, ia, id));
    const first = command();
    const received = () => ia.requests.filter((r) => r.path.startsWith(`/${id}/`)).reduce((s, r) => s + r.bodyBytes, 0);
    const firstDone = exited(first);
    while (received() < killAt && first.exitCode === null) await new Promise((r) => setTimeout(r, 5));
    first.kill("SIGKILL");
    await firstDone;
    const sentBefore = received();
    c?.between?.(ia);
    const code = await exited(command());
    const rerunSent = received() - sentBefore;
    const label = c ? `publish-iso, ${c.label}` : "ia upload (no resume)";
    const row =
      `${label.padEnd(48)} ${code === 0 ? "ok  " : "FAIL"} killed at ${(sentBefore / MiB).toFixed(0).padStart(4)} MiB; rerun sent ${(rerunSent / MiB).toFixed(1).padStart(7)} MiB; ` +
      `re-sent ${((sentBefore + rerunSent - size) / MiB).toFixed(1).padStart(7)} MiB (${(((sentBefore + rerunSent - size) / size) * 100).toFixed(0)} % of the file)`;
    console.error(row);
    return row;
  } finally {
    await ia.stop();
    const dir = path.dirname(setup.file);
    for (const f of fs.readdirSync(dir)) if (f.endsWith(".ia-upload.json")) fs.rmSync(path.join(dir, f));
  }
}

function publishIso(setup: Setup, ia: IaEmulator, id: string): ChildProcess {
  const args = ["--identifier", id, "--file", setup.file, "--config-file", setup.ini, "--no-derive", "--torrent-wait", "0"];
  return spawn(process.execPath, [path.join(ROOT, "dist/scripts/publish-iso.js"), ...args, "--part-size", String(setup.partMiB), "--retry-delay", "1"], {
    env: { ...process.env, IA_S3_URL: ia.url, IA_URL: ia.url },
    stdio: "ignore",
  });
}

function iaUpload(setup: Setup, ia: IaEmulator, id: string): ChildProcess {
  return spawn(setup.iaBin, ["-i", "upload", id, setup.file, "--no-derive", "--retries", "3", "--sleep", "1"], {
    env: { ...process.env, http_proxy: ia.url, HTTP_PROXY: ia.url, no_proxy: "", NO_PROXY: "", IA_CONFIG_FILE: setup.ini },
    stdio: "ignore",
  });
}

main().catch((err) => {
  console.error(`error: ${(err as Error).message}`);
  process.exitCode = 1;
});
