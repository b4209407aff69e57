// Fault injection, interrupt side: SIGINT in the middle of a run. publish-iso is interrupted 864 MB
// into a 1 GiB ISO and rerun (the bytes re-sent are measured by the emulator); the read-only CLIs
// and the offline ones stop with one line and exit 130, leaving no partial output behind.
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { journalPath } from "../../../providers/ia/upload-journal";
import { startFaultServer } from "../../../fixtures/servers/fault-servers";
import { IaEmulator } from "../../../fixtures/servers/ia-emulator";
import { startScript, waitUntil } from "../../support/processes";

const MiB = 1024 * 1024;
const ID = "margine-20261120";

describe("fault injection: SIGINT mid-run", function () {
  this.timeout(60_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "faults-int-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("publish-iso interrupted 864 MB into a 1 GiB ISO resumes on rerun, re-sending at most one part plus the parts in flight", async function () {
    this.timeout(300_000);
    const iso = path.join(dir, "margine-20261120.iso");
    const size = 1024 * MiB + 87;
    // Distinct bytes per MiB (a counter over a random block), written without holding 1 GiB in memory.
    const block = crypto.randomBytes(MiB);
    const fd = fs.openSync(iso, "w");
    for (let i = 0; i < 1024; i++) {
      block.writeUInt32BE(i, 0);
      fs.writeSync(fd, block);
    }
    fs.writeSync(fd, Buffer.alloc(87, 7));
    fs.closeSync(fd);
    const ia = await new IaEmulator().start();
    try {
      ia.accounts.set("AK", "SK");
      const env = { IA_S3_URL: ia.url, IA_URL: ia.url, IA_ACCESS_KEY: "AK", IA_SECRET_KEY: "SK" };
      const args = ["--identifier", ID, "--file", iso, "--no-derive", "--torrent-wait", "0", "--part-size", "64", "--parallel", "2"];
      const partBytes = () => ia.requests.filter((r) => r.method === "PUT" && /partNumber=/.test(r.path)).reduce((sum, r) => sum + r.bodyBytes, 0);

      const first = startScript("publish-iso", args, { env });
      await waitUntil(() => partBytes() >= 864e6 || first.child.exitCode !== null, 180_000, "864 MB on the wire");
      assert.equal(first.child.exitCode, null, `publish-iso finished before the interrupt: ${first.stderr()}`);
      first.child.kill("SIGINT");
      const stopped = await first.exited;
      assert.equal(stopped.code, 130, first.stderr());
      const line =
        first
          .stderr()
          .split("\n")
          .find((l) => l.startsWith("error: ")) ?? "";
      const interrupted =
        /^error: interrupted \(SIGINT\): margine-20261120\/margine-20261120\.iso: (\d+) of 17 parts are on IA \(upload upload-\d+\); rerun the same command to resume: only the missing parts are sent \(journal .*\.ia-upload\.json\)$/.exec(
          line,
        );
      assert.ok(interrupted, line);
      // 864 MB is 12.9 parts of 64 MiB counted as they arrive, two of them possibly still in flight.
      const partsOnIa = Number(interrupted[1]);
      assert.ok(partsOnIa >= 11, `${partsOnIa} parts on IA at the interrupt`);
      const open = ia.openUploads();
      assert.equal(open.length, 1, "the upload stays open for the rerun (recorded in the journal, not lost)");
      assert.ok(fs.existsSync(journalPath(iso, ID)));
      assert.equal(ia.item(ID)?.files.get("margine-20261120.iso"), undefined, "nothing completed");
      const firstBytes = partBytes();
      ia.requests.length = 0;

      // The emulator's tally of the rerun: re-sent = everything sent in both runs beyond the file itself.
      const second = startScript("publish-iso", args, { env });
      const { code } = await second.exited;
      assert.equal(code, 0, second.stderr());
      const out = JSON.parse(second.stdout());
      // At least the parts the interrupted run reported; up to the two in flight more, when IA
      // stored a part whose answer the interrupted run never read.
      const resumed = out.files[0].resumedParts;
      assert.ok(resumed >= partsOnIa && resumed <= partsOnIa + 2, `resumed ${resumed} parts; the interrupted run reported ${partsOnIa} on IA`);
      const resent = firstBytes + partBytes() - size;
      assert.ok(resent <= 3 * 64 * MiB, `re-sent ${(resent / MiB).toFixed(1)} MiB; at most one part plus the two in flight (192 MiB)`);
      assert.match(second.stderr(), /resuming upload upload-\d+: IA holds \d+ of 17 parts/);
      assert.deepEqual(ia.openUploads(), []);
      assert.ok(!fs.existsSync(journalPath(iso, ID)), "journal removed after completion");
      assert.equal(ia.item(ID)!.files.get("margine-20261120.iso")!.size, size);
    } finally {
      await ia.stop();
      fs.rmSync(iso, { force: true });
    }
  });

  for (const [cli, args] of [
    ["staleness", (host: string) => ["--image", `${host}/margine:stable`, "--insecure", "--read-timeout", "30"]],
    ["retention", (host: string) => ["--image", `${host}/margine`, "--insecure", "--apply", "--read-timeout", "30"]],
    [
      "promote",
      (host: string) => [
        "--image",
        `${host}/margine`,
        "--digest",
        `sha256:${"b".repeat(64)}`,
        "--tags",
        "stable,stable.20261120,20261120",
        "--insecure",
        "--no-verify",
        "--read-timeout",
        "30",
      ],
    ],
  ] as const) {
    it(`${cli} interrupted while the registry is silent: one line, exit 130`, async () => {
      const server = await startFaultServer("hang");
      try {
        const run = startScript(cli, args(server.host));
        await waitUntil(() => server.hits > 0, 20_000, "the first request");
        run.child.kill("SIGINT");
        const { code, ms } = await run.exited;
        assert.equal(code, 130, run.stderr());
        // One error line; a deliberate --no-verify also says so in a warning before any request.
        const lines = run
          .stderr()
          .trim()
          .split("\n")
          .filter((l) => !l.startsWith("warning: --no-verify"));
        assert.match(lines[0], /^error: interrupted \(SIGINT\)/);
        assert.equal(lines.length, 1, run.stderr());
        assert.ok(ms < 25_000, `took ${ms} ms`);
      } finally {
        await server.stop();
      }
    });
  }

  it("sha256sums interrupted while hashing leaves no --out file behind", async () => {
    // A big file that hashes for a while: the interrupt arrives mid-hash.
    const big = path.join(dir, "big.iso");
    const fd = fs.openSync(big, "w");
    const block = Buffer.alloc(MiB, 1);
    for (let i = 0; i < 2048; i++) fs.writeSync(fd, block);
    fs.closeSync(fd);
    const out = path.join(dir, "SHA256SUMS");
    const run = startScript("sha256sums", [big, "--out", out]);
    // Interrupt once it is hashing: the file is open in the child (Linux /proc), not before start-up.
    const hashing = () => {
      try {
        return fs.readdirSync(`/proc/${run.child.pid}/fd`).some((fd) => {
          try {
            return fs.readlinkSync(`/proc/${run.child.pid}/fd/${fd}`) === big;
          } catch {
            return false;
          }
        });
      } catch {
        return false;
      }
    };
    await waitUntil(() => hashing() || run.child.exitCode !== null, 30_000, "sha256sums to open the file");
    run.child.kill("SIGINT");
    const { code } = await run.exited;
    fs.rmSync(big, { force: true });
    if (code === 0) assert.fail("sha256sums finished before the interrupt; make the file bigger");
    assert.equal(code, 130, run.stderr());
    assert.match(run.stderr(), /^error: interrupted \(SIGINT\)/);
    assert.ok(!fs.existsSync(out), "no SHA256SUMS written");
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.includes("SHA256SUMS")),
      [],
      "no temporary file left",
    );
  });
});
