import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { publishIsoMain } from "../../scripts/publish-iso";
import { UsageError } from "../../scripts/cli";
import { IaEmulator } from "../../fixtures/servers/ia-emulator";
import { cliArgs } from "../support/processes";

const ROOT = path.resolve(__dirname, "../..");

/** Runs `npm run publish-iso -- ...` the way npm does (the compiled CLI). */
function publishIso(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      cliArgs("publish-iso", args),
      { cwd: ROOT, env: { ...process.env, IA_ACCESS_KEY: "", IA_SECRET_KEY: "", ...env } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("npm run publish-iso", function () {
  this.timeout(60_000);
  const ID = "margine-20261120";
  let ia: IaEmulator;
  let dir: string;
  let iso: string;
  let sums: string;
  let ini: string;
  let env: NodeJS.ProcessEnv;
  const md5 = (file: string) => crypto.createHash("md5").update(fs.readFileSync(file)).digest("hex");

  before(async () => {
    ia = await new IaEmulator().start();
    ia.accounts.set("AKPUB", "SKPUB");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "publish-iso-"));
    iso = path.join(dir, "margine-20261120.iso");
    sums = path.join(dir, "SHA256SUMS");
    fs.writeFileSync(iso, crypto.randomBytes(3 * 1024 * 1024 + 7));
    fs.writeFileSync(sums, crypto.createHash("sha256").update(fs.readFileSync(iso)).digest("hex") + "  margine-20261120.iso\n");
    ini = path.join(dir, "ia.ini");
    fs.writeFileSync(ini, "[general]\nscreenname = margine\n\n[s3]\naccess = AKPUB\nsecret = SKPUB\n");
    env = { IA_S3_URL: ia.url, IA_URL: ia.url };
  });
  after(async () => {
    await ia.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("uploads with keys from ia.ini, in parts, verifies md5 and prints one JSON object", async () => {
    ia.faults.add({ kind: "slowdown", method: "PUT", path: /partNumber=2&/, retryAfter: "0", times: 1 });
    const { code, stdout, stderr } = await publishIso(
      [
        "--identifier",
        ID,
        "--file",
        iso,
        "--file",
        sums,
        "--meta",
        "title=Margine 20261120",
        "--meta",
        "subject=linux",
        "--meta",
        "subject=bootc",
        "--config-file",
        ini,
        "--part-size",
        "1",
        "--retry-delay",
        "0",
        "--torrent-wait",
        "5",
      ],
      env,
    );
    assert.equal(code, 0, stderr);
    const out = JSON.parse(stdout);
    assert.deepEqual(
      out.files.map((f: { name: string; md5: string; skipped: boolean }) => [f.name, f.md5, f.skipped]),
      [
        ["margine-20261120.iso", md5(iso), false],
        ["SHA256SUMS", md5(sums), false],
      ],
    );
    assert.equal(out.detailsUrl, `${ia.url}/details/${ID}`);
    assert.equal(out.torrentUrl, `${ia.url}/download/${ID}/${ID}_archive.torrent`);
    assert.equal(out.downloadUrls["margine-20261120.iso"], `${ia.url}/download/${ID}/margine-20261120.iso`);
    assert.match(stderr, /part 2\/4: IA answered HTTP 503 SlowDown/);
    assert.equal(ia.requests.filter((r) => /partNumber=/.test(r.path)).length, 5, "4 parts and one re-sent part");
    assert.deepEqual(ia.item(ID)!.metadata.subject, ["linux", "bootc"]);
    assert.equal(ia.item(ID)!.derives, 1);
    const lastUpload = ia.requests.map((r) => r.method === "PUT" || r.method === "POST").lastIndexOf(true);
    assert.ok(
      ia.requests.slice(lastUpload + 1).some((r) => r.path === `/metadata/${ID}`),
      "md5 checked through the metadata API after the upload",
    );
  });

  it("a rerun skips what is already on IA (IA_ACCESS_KEY/IA_SECRET_KEY from the environment)", async () => {
    ia.requests.length = 0;
    const { code, stdout, stderr } = await publishIso(["--identifier", ID, "--file", iso, "--file", sums, "--torrent-wait", "0"], {
      ...env,
      IA_ACCESS_KEY: "AKPUB",
      IA_SECRET_KEY: "SKPUB",
    });
    assert.equal(code, 0, stderr);
    assert.deepEqual(
      JSON.parse(stdout).files.map((f: { skipped: boolean }) => f.skipped),
      [true, true],
    );
    assert.equal(ia.requests.filter((r) => r.method === "PUT").length, 0);
  });

  it("--no-derive queues no derive and reports HTTP-only links with a warning", async () => {
    const other = path.join(dir, "other.iso");
    fs.writeFileSync(other, crypto.randomBytes(1000));
    const { code, stdout, stderr } = await publishIso(
      ["--identifier", "margine-nodrv", "--file", other, "--no-derive", "--config-file", ini, "--torrent-wait", "0.3"],
      env,
    );
    assert.equal(code, 0, stderr);
    const out = JSON.parse(stdout);
    assert.equal(out.torrentUrl, null);
    assert.match(out.warnings[0], /margine-nodrv_archive\.torrent is not derived yet; publishing HTTP-only links/);
    assert.match(stderr, /warning: margine-nodrv/);
    assert.equal(ia.item("margine-nodrv")!.derives, 0);
  });

  it("bad input is a UsageError (exit 2) with one clear message, before any request", async () => {
    ia.requests.length = 0;
    fs.mkdirSync(path.join(dir, "sub"), { recursive: true });
    fs.copyFileSync(iso, path.join(dir, "sub", "margine-20261120.iso"));
    const emptyIso = path.join(dir, "margine-empty.iso");
    fs.writeFileSync(emptyIso, "");
    const cases: [string[], RegExp][] = [
      [["--identifier", "_bad", "--file", iso, "--config-file", ini], /--identifier _bad: expected an IA identifier/],
      [["--identifier", ID, "--config-file", ini], /at least one --file PATH is required/],
      [["--identifier", ID, "--file", path.join(dir, "missing.iso"), "--config-file", ini], /missing\.iso: no such file/],
      [
        ["--identifier", ID, "--file", iso, "--file", path.join(dir, "sub", "margine-20261120.iso"), "--config-file", ini],
        /another file is also named margine-20261120\.iso; IA serves every file at the item root/,
      ],
      [["--identifier", ID, "--file", iso, "--meta", "Title", "--config-file", ini], /--meta Title: expected key=value/],
      [["--identifier", ID, "--file", iso, "--retries", "many", "--config-file", ini], /--retries many: expected a number >= 0/],
      [["--identifier", ID, "--file", iso, "--parallel", "0", "--config-file", ini], /--parallel 0: expected a number >= 1/],
      [["--identifier", ID, "--file", iso, "--parallel", "1.5", "--config-file", ini], /--parallel 1\.5: expected a whole number of parts in flight, 1-8/],
      [["--identifier", ID, "--file", iso], /no IA credentials: pass --config-file ia\.ini/],
      [["--identifier", ID, "--file", iso, "--bogus"], /Unknown option '--bogus'/],
      [["--identifier", ID, "--file", iso, "--torrent-wait", "-1", "--config-file", ini], /--torrent-wait -1: expected a number >= 0/],
      [["--identifier", ID, "--file", iso, "--read-timeout", "soon", "--config-file", ini], /--read-timeout soon: expected a number of seconds/],
      [["--identifier", ID, "--file", iso, "--state-dir", path.join(dir, "nope"), "--config-file", ini], /--state-dir .*nope: no such directory/],
      [["--identifier", ID, "--file", emptyIso, "--config-file", ini], /--file .*empty\.iso: is empty \(0 bytes\); IA items are kept forever/],
      [["--identifier", ID, "--file", path.join(dir, "sub"), "--config-file", ini], /--file .*sub: is a directory, not a regular file/],
      [["--identifier", ID, "--file", iso, "--config-file", path.join(dir, "missing.ini")], /--config-file .*missing\.ini: no such file/],
      [["--identifier", ID, "--file", iso, "--config-file", sums], /--config-file .*SHA256SUMS: expected an \[s3\] section/],
    ];
    for (const [args, message] of cases) {
      await assert.rejects(publishIsoMain(args, { IA_S3_URL: ia.url, IA_URL: ia.url }), (err: UsageError) => {
        assert.ok(err instanceof UsageError, `${args.join(" ")}: ${err}`);
        assert.equal(err.exitCode, 2);
        assert.match(err.message, message);
        return true;
      });
    }
    assert.equal(ia.requests.length, 0);
    // And as a process: exit 2, one line, no stack trace.
    const { code, stderr } = await publishIso(["--identifier", "_bad", "--file", iso], env);
    assert.equal(code, 2);
    assert.match(stderr, /^error: --identifier _bad: expected an IA identifier/);
    assert.ok(!/\n\s+at /.test(stderr), "no stack trace");
  });

  it("IA's 403 exits 1 with IA's message", async () => {
    fs.writeFileSync(path.join(dir, "bad.ini"), "[s3]\naccess = AKPUB\nsecret = nope\n");
    const { code, stderr } = await publishIso(["--identifier", "margine-other", "--file", iso, "--config-file", path.join(dir, "bad.ini")], env);
    assert.equal(code, 1);
    assert.match(stderr, /^error: .*HTTP 403 InvalidAccessKeyId/m);
  });
});
