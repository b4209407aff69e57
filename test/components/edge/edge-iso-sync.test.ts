// The published layout, end to end with the real consumers: build-disk's own scripts (checksums,
// edge rsync) on a real file, publish-iso into the IA emulator, the stand-in edge VM (edge-host.ts)
// brought up with the release build-disk declares (ISO + SHA256SUMS). Then what a user does:
// `sha256sum -c SHA256SUMS` (coreutils) next to the files from IA and from the edge; and what the
// edge does: an interrupted upload never appears under a final name, the prune keeps what the
// page may still link.
import { strict as assert } from "node:assert";
import { execFile, execFileSync, spawnSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { renderIndexHtml } from "../../../components/edge/index-page";
import { DEPLOY_USER, EDGE_PATHS, RSYNC_PARTIAL_DIR } from "../../../components/edge/edge-layout";
import { renderSha256Sums } from "../../../components/edge/sha256sums";
import { buildDiskWorkflow } from "../../../components/workflows/build-disk";
import { workflowFile } from "../../../components/workflows/generated-files";
import { IsoRelease } from "../../../config/release-state";
import { promisify } from "node:util";
import { PROJECT_DIR } from "../../support/program-run";
import { requireTool } from "../../../fixtures/system-tool";
import { IaEmulator } from "../../../fixtures/servers/ia-emulator";
import { ParsedWorkflow, step, TOOLS_REF } from "../workflows/generated";
import { EdgeHost } from "./edge-host";
import { FALLBACK, FILES, SITE, bringUp, edgeValues, makeKeys } from "./edge-host-fixtures";

const DATE = "20261201";
const ID = `margine-${DATE}`;
const ISO = `${ID}.iso`;
/** Small: the edge serves it at its rate limit (512 KiB/s), and the test downloads it whole. */
const ISO_BYTES = 3 * 1024 * 1024;
/** Large enough to be caught mid-transfer on loopback: the interrupted upload. */
const BIG = "margine-20261130.iso";
const BIG_BYTES = 160 * 1024 * 1024;

const disk = parse(workflowFile(buildDiskWorkflow(TOOLS_REF)).content) as ParsedWorkflow;
const script = (job: string, name: string) => step(disk.jobs[job], name).run!;

function hashes(file: string) {
  const data = fs.readFileSync(file);
  return { sha256: crypto.createHash("sha256").update(data).digest("hex"), md5: crypto.createHash("md5").update(data).digest("hex"), size: data.length };
}

/** `sha256sum -c SHA256SUMS` in `dir`: the handbook's end-user contract. */
function sha256sumCheck(dir: string): { status: number | null; out: string } {
  const res = spawnSync(requireTool("sha256sum", "coreutils"), ["-c", "SHA256SUMS"], { cwd: dir, encoding: "utf8" });
  return { status: res.status, out: res.stdout + res.stderr };
}

describe("published layout: IA item and edge directory pass sha256sum -c; interrupted uploads and pruning on the edge", function () {
  this.timeout(180_000);
  let work: string;
  let ia: IaEmulator;
  let vm: EdgeHost;
  let release: IsoRelease;
  let keys: ReturnType<typeof makeKeys>;
  const syncEnv = (name = ISO) => ({
    OUTDIR: "dist",
    ISO_NAME: name,
    RUNNER_TEMP: work,
    EDGE_DEPLOY_KEY: keys.deployPrivateKey,
    EDGE_KNOWN_HOSTS: `${FALLBACK} ${fs.readFileSync("/etc/ssh/ssh_host_ed25519_key.pub", "utf8").split(" ").slice(0, 2).join(" ")}`,
    EDGE_SSH_HOST: FALLBACK,
    EDGE_SSH_PORT: "22",
  });
  const edgeSync = () => ["bash", "-euo", "pipefail", "-c", `cd ${work}\n${script("edge_sync", "Rsync the ISO to the edge")}`];

  before(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "edge-layout-"));
    fs.mkdirSync(path.join(work, "dist"));
    execFileSync(
      "sh",
      ["-c", `head -c ${BIG_BYTES} /dev/urandom > dist/${BIG} && head -c ${ISO_BYTES} /dev/urandom > dist/${ISO} && cd dist && sha256sum ${ISO} > SHA256SUMS`],
      { cwd: work },
    );
    // build-disk's "Locate ISO + verify integrity": checks the transit, rewrites for the published layout.
    execFileSync("bash", ["-euo", "pipefail", "-c", script("edge_sync", "Locate ISO + verify integrity")], {
      cwd: work,
      env: { ...process.env, OUTDIR: "dist", ISO_NAME: ISO },
    });
    release = { date: DATE, identifier: ID, files: [ISO, "SHA256SUMS"].map((name) => ({ name, ...hashes(path.join(work, "dist", name)) })) };
    ia = await new IaEmulator().start();
    ia.accounts.set("AK", "SK");
    ia.torrentDelayMs = 3_600_000; // IA has not derived the torrent yet
    keys = makeKeys();
    vm = await EdgeHost.start([FILES, FALLBACK, SITE]);
    bringUp(vm, keys, edgeValues(keys.deployPublicKey, { isos: [release] }));
  });
  after(async () => {
    await vm?.stop();
    await ia?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it("the IA item: SHA256SUMS and the ISO downloaded as siblings pass sha256sum -c", async () => {
    // npm run publish-iso, asynchronously: the emulator answers from this process's event loop.
    await promisify(execFile)(
      process.execPath,
      [
        "-r",
        "ts-node/register/transpile-only",
        path.join(PROJECT_DIR, "scripts", "publish-iso.ts"),
        "--identifier",
        ID,
        "--file",
        path.join(work, "dist", ISO),
        "--file",
        path.join(work, "dist", "SHA256SUMS"),
        "--torrent-wait",
        "0",
      ],
      { cwd: PROJECT_DIR, env: { ...process.env, IA_S3_URL: ia.url, IA_URL: ia.url, IA_ACCESS_KEY: "AK", IA_SECRET_KEY: "SK" } },
    );
    const dir = fs.mkdtempSync(path.join(work, "from-ia-"));
    for (const name of ["SHA256SUMS", ISO]) {
      const reply = await fetch(`${ia.url}/download/${ID}/${name}`);
      assert.equal(reply.status, 200, name);
      fs.writeFileSync(path.join(dir, name), Buffer.from(await reply.arrayBuffer()));
    }
    const check = sha256sumCheck(dir);
    assert.equal(check.status, 0, check.out);
    assert.equal(check.out, `${ISO}: OK\n`);
    assert.equal(renderSha256Sums(release), fs.readFileSync(path.join(dir, "SHA256SUMS"), "utf8"), "the edge's SHA256SUMS is IA's, byte for byte");
  });

  it("an interrupted rsync leaves nothing under a final name; the rerun resumes to the complete ISO", async () => {
    const isoDirOnHost = vm.upper(EDGE_PATHS.isoDir);
    const sync = vm.spawn(edgeSync(), { env: { ...process.env, ...syncEnv(BIG) } });
    let stderr = "";
    sync.stderr!.on("data", (c) => (stderr += c));
    const inFlight = () => fs.readdirSync(isoDirOnHost).some((n) => n.startsWith(`.${BIG}.`) && fs.statSync(path.join(isoDirOnHost, n)).size > 1024 * 1024);
    for (const end = Date.now() + 30_000; !inFlight(); await new Promise((r) => setTimeout(r, 2))) {
      if (Date.now() > end || sync.exitCode !== null) assert.fail(`no transfer in flight to interrupt (exit ${sync.exitCode}): ${stderr}`);
    }
    process.kill(-sync.pid!, "SIGKILL"); // the runner's connection drops mid-transfer
    // The receiver notices the closed connection and cleans up its temporary file. (Plain rsync
    // keeps it in the partial directory for the resume; behind this rrsync, which hands rsync its
    // partial directory as a /proc/self/fd link, it does not, and the rerun starts over. Either
    // way nothing partial ever carries a final name.)
    const tempFiles = () => vm.must(["find", EDGE_PATHS.isoDir, "-maxdepth", "1", "-name", `.${BIG}.*`]).trim();
    await vm.until("the receiver to finish its cleanup", () => tempFiles() === "", 15_000);
    assert.ok(!vm.exists(`${EDGE_PATHS.isoDir}/${BIG}`), "no file under the final name");
    assert.equal(vm.get(FALLBACK, `/${BIG}`).status, 404, "nginx serves no truncated ISO");
    assert.equal(vm.get(FALLBACK, `/${RSYNC_PARTIAL_DIR}/${BIG}`).status, 302, "the partial directory is not served");
    // A partial transfer (kept, or one planted here as upstream rrsync would keep it) survives the
    // prune timer for the resume, even stamped 1970 as rsync may leave it.
    const partial = `${EDGE_PATHS.isoDir}/${RSYNC_PARTIAL_DIR}/${BIG}`;
    vm.must(["sh", "-c", `head -c 1048576 ${work}/dist/${BIG} > ${partial} && chown ${DEPLOY_USER}: ${partial} && touch -d @0 ${partial}`]);
    vm.must(["runuser", "-u", DEPLOY_USER, "--", EDGE_PATHS.pruneScript, EDGE_PATHS.isoDir, "7"]);
    assert.ok(vm.exists(partial), "prune kept the partial transfer");

    const rerun = vm.exec(edgeSync(), { env: syncEnv(BIG) });
    assert.equal(rerun.status, 0, rerun.stderr);
    assert.equal(vm.must(["sha256sum", `${EDGE_PATHS.isoDir}/${BIG}`]).split(" ")[0], hashes(path.join(work, "dist", BIG)).sha256);
    assert.ok(!vm.exists(partial), "the resumed partial is consumed");
  });

  it("the edge directory: SHA256SUMS and the ISO from the DNS-only host pass sha256sum -c; the page's edge copy resolves", () => {
    const sync = vm.exec(edgeSync(), { env: syncEnv(ISO) });
    assert.equal(sync.status, 0, sync.stderr);
    const dir = fs.mkdtempSync(path.join(work, "from-edge-"));
    for (const name of ["SHA256SUMS", ISO]) {
      const res = vm.exec(["curl", "-skf", "--resolve", `${FALLBACK}:443:127.0.0.1`, "-o", path.join(dir, name), `https://${FALLBACK}/${name}`]);
      assert.equal(res.status, 0, `${name}: ${res.stderr}`);
    }
    const check = sha256sumCheck(dir);
    assert.equal(check.status, 0, check.out);
    assert.equal(check.out, `${ISO}: OK\n`);
    const page = renderIndexHtml({ release: { isos: [release] }, fallbackHost: FALLBACK });
    const edgeCopy = /id="edge-copy" href="https:\/\/([^/"]+)(\/[^"]+)"/.exec(page)!;
    assert.equal(edgeCopy[1], FALLBACK);
    assert.equal(vm.get(FALLBACK, edgeCopy[2], ["-r", "0-0"]).status, 206);
  });

  it("prune as the timer runs it: ISOs older than the newest one past 7 days go; the current ISO and that one stay", () => {
    const service = vm.readFile(EDGE_PATHS.pruneService);
    const execStart = /^ExecStart=(.*)$/m.exec(service)![1].split(" ");
    assert.equal(/^User=(.*)$/m.exec(service)![1], DEPLOY_USER);
    const now = Math.floor(Date.now() / 1000);
    const ages: Record<string, number> = { "margine-20260901.iso": 91, "margine-20261001.iso": 61, "margine-20261101.iso": 30, "margine-20261124.iso": 7.05 };
    for (const [name, days] of Object.entries(ages)) {
      vm.must([
        "runuser",
        "-u",
        DEPLOY_USER,
        "--",
        "sh",
        "-c",
        `printf old > ${EDGE_PATHS.isoDir}/${name} && touch -d @${Math.floor(now - days * 86400)} ${EDGE_PATHS.isoDir}/${name}`,
      ]);
    }
    const pruned = vm
      .must(["runuser", "-u", DEPLOY_USER, "--", ...execStart])
      .trim()
      .split("\n")
      .map((l) => path.basename(l))
      .sort();
    assert.deepEqual(pruned, ["margine-20260901.iso", "margine-20261001.iso", "margine-20261101.iso"]);
    assert.deepEqual(vm.must(["ls", EDGE_PATHS.isoDir]).trim().split("\n").sort(), ["margine-20261124.iso", BIG, ISO]);
    assert.equal(vm.get(FALLBACK, `/${ISO}`, ["-r", "0-0"]).status, 206, "the current release is still served");
    assert.equal(vm.must(["runuser", "-u", DEPLOY_USER, "--", ...execStart]), "", "a second run deletes nothing");
  });
});
