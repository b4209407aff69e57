// The emulator speaks the protocol a real client expects: Debian's `ia` (internetarchive 3.3.0),
// which hard-codes archive.org and s3.us.archive.org, uploads to it through the forward-proxy recipe
// of docs/protocols.md (`http_proxy=... ia -i upload`), retries its 503 SlowDown,
// and reads back what it stored - including the `ia list | grep _archive.torrent$` poll that the
// publish_ia job used (handbook 11.2).
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { ItemPublisher } from "../../../providers/ia/item-publisher";
import { requireTool } from "../../../fixtures/system-tool";
import { IaEmulator } from "../../../fixtures/servers/ia-emulator";

const run = promisify(execFile);

describe("the real ia client (Debian internetarchive) against the IA emulator", function () {
  this.timeout(60_000);
  const ID = "margine-ia-cli-test";
  let ia: IaEmulator;
  let iaBin: string;
  let dir: string;
  let iso: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    iaBin = requireTool("ia", "internetarchive");
    ia = await new IaEmulator().start();
    ia.accounts.set("AKCLI", "SKCLI");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ia-cli-"));
    fs.writeFileSync(path.join(dir, "ia.ini"), "[s3]\naccess = AKCLI\nsecret = SKCLI\n");
    iso = path.join(dir, "margine-20261120.iso");
    fs.writeFileSync(iso, crypto.randomBytes(150_000));
    env = { ...process.env, http_proxy: ia.url, HTTP_PROXY: ia.url, no_proxy: "", NO_PROXY: "", IA_CONFIG_FILE: path.join(dir, "ia.ini"), HOME: dir };
  });
  after(async () => {
    await ia.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("uploads through the proxy recipe, retrying a 503 SlowDown, with IA's headers", async () => {
    ia.faults.add({ kind: "slowdown", method: "PUT", times: 1 });
    await run(
      iaBin,
      ["-i", "upload", ID, iso, "--metadata=title:Margine 20261120", "--metadata=subject:linux", "--metadata=subject:bootc", "--retries", "3", "--sleep", "1"],
      { env },
    );
    const puts = ia.requests.filter((r) => r.method === "PUT");
    assert.equal(puts.length, 2, "one 503, then the retry");
    assert.ok(puts.every((r) => r.host === "s3.us.archive.org"));
    assert.equal(puts[1].headers["content-length"], "150000");
    assert.ok(
      ia.requests.some((r) => r.host === "s3.us.archive.org" && /check_limit=1/.test(r.path)),
      "ia asked check_limit",
    );
    const item = ia.item(ID)!;
    assert.equal(item.files.get("margine-20261120.iso")!.md5, crypto.createHash("md5").update(fs.readFileSync(iso)).digest("hex"));
    assert.equal(item.metadata.title, "Margine 20261120");
    assert.deepEqual(item.metadata.subject, ["linux", "bootc"]);
  });

  it("reads back metadata and lists the derived torrent (the publish_ia poll)", async () => {
    const { stdout: meta } = await run(iaBin, ["-i", "metadata", ID], { env });
    assert.equal(JSON.parse(meta).metadata.title, "Margine 20261120");
    const { stdout: list } = await run(iaBin, ["-i", "list", ID], { env });
    assert.match(list, new RegExp(`^${ID}_archive\\.torrent$`, "m"));
  });

  it("our publisher adopts what ia uploaded: same md5, nothing sent again", async () => {
    ia.requests.length = 0;
    const result = await new ItemPublisher({
      endpoints: { s3Url: ia.url, iaUrl: ia.url },
      credentials: { access: "AKCLI", secret: "SKCLI" },
      torrentWaitMs: 0,
      pollMs: 20,
    }).publish({ identifier: ID, files: [{ name: "margine-20261120.iso", source: iso }], metadata: { title: "Margine 20261120" } });
    assert.deepEqual(
      result.files.map((f) => f.skipped),
      [true],
    );
    assert.equal(ia.requests.filter((r) => r.method === "PUT").length, 0);
  });
});
