// build-disk.yml's "Upload to the Internet Archive" as the runner runs it, end to end: the secret
// IA_CONFIG_INI exactly as the platform provisions it (iaCredentialsFile), written to a file by the
// step, read by the real publish-iso (npm run, compiled) uploading to the IA emulator, and the
// step's outputs built from publish-iso's report. lessons-build-disk.test.ts runs the step's
// report handling with publish-iso stubbed; this is the whole chain once, keys included.
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { iaCredentialsFile } from "../../../components/github/image-repository";
import { IaEmulator } from "../../../fixtures/servers/ia-emulator";
import { runPeer } from "../../support/peers";
import { buildIfStale } from "../../support/processes";
import { PROJECT_DIR } from "../../support/program-run";
import { parsed, step } from "./generated";

describe("build-disk.yml's IA upload step with the provisioned ia config and the real publish-iso", function () {
  this.timeout(120_000);
  const ID = "margine-20261207";
  const ISO = `${ID}.iso`;
  const upload = step(parsed("build-disk.yml").jobs.publish_ia, "Upload to the Internet Archive");
  let ia: IaEmulator;
  let workspace: string;

  before(async () => {
    buildIfStale();
    ia = await new IaEmulator().start();
    ia.accounts.set("AKSTEP", "SKSTEP");
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), "publish-ia-step-"));
    fs.mkdirSync(path.join(workspace, "dist"));
    const iso = crypto.randomBytes(2 * 1024 * 1024 + 3);
    fs.writeFileSync(path.join(workspace, "dist", ISO), iso);
    fs.writeFileSync(path.join(workspace, "dist", "SHA256SUMS"), `${crypto.createHash("sha256").update(iso).digest("hex")}  ${ISO}\n`);
  });
  after(async () => {
    await ia?.stop();
    fs.rmSync(workspace, { recursive: true, force: true });
  });

  // Asynchronous: the emulator answers from this process, which must not block on the child.
  const runUpload = async (access: string, secret: string, script = upload.run!) => {
    const output = path.join(workspace, "github-output");
    fs.writeFileSync(output, "");
    const res = await runPeer("bash", ["-euo", "pipefail", "-c", script], {
      cwd: PROJECT_DIR, // working-directory: pipeline, the checkout of this repository
      timeoutMs: 90_000,
      env: {
        IA_CONFIG_INI: iaCredentialsFile(access, secret),
        IDENTIFIER: ID,
        DATE: "20261207",
        ISO_NAME: ISO,
        TORRENT_WAIT_MINUTES: "1", // the emulator derives at once; the step's 25 minutes bound only a slow IA
        IA_S3_URL: ia.url,
        IA_URL: ia.url,
        IA_ACCESS_KEY: "",
        IA_SECRET_KEY: "",
        RUNNER_TEMP: workspace,
        GITHUB_WORKSPACE: workspace,
        GITHUB_OUTPUT: output,
        GITHUB_RUN_ID: "1",
      },
    });
    return { ...res, output: fs.readFileSync(output, "utf8") };
  };

  it("keys IA does not know: every attempt is refused, the step fails naming the rerun, the ini file is gone and the key never printed", async () => {
    // The loop's 60 s between attempts is the only change: the refusal itself is publish-iso's.
    const res = await runUpload("AKWRONG", "SKWRONG", upload.run!.replace("sleep 60", "sleep 0"));
    assert.equal(res.code, 1, res.stdout + res.stderr);
    assert.match(res.stdout, /^::error::upload of margine-20261207 failed 5 times; rerun only this job: gh run rerun --failed 1$/m);
    assert.equal(res.stdout.match(/::warning::upload attempt \d of margine-20261207 failed/g)?.length, 4);
    assert.ok(!fs.existsSync(path.join(workspace, "ia.ini")), "the credentials file is removed on failure");
    assert.ok(!`${res.stdout}${res.stderr}`.includes("SKWRONG"), "the secret key is never printed");
    assert.equal(res.output, "", "no output on failure");
  });

  it("the provisioned keys: both files reach the item with their md5, and the outputs carry the torrent and the release entries", async () => {
    const res = await runUpload("AKSTEP", "SKSTEP");
    assert.equal(res.code, 0, res.stdout + res.stderr);
    assert.ok(!fs.existsSync(path.join(workspace, "ia.ini")), "the credentials file is removed after the upload");
    const metadata = (await (await fetch(`${ia.url}/metadata/${ID}`)).json()) as { files: { name: string; md5: string }[] };
    const md5 = (name: string) =>
      crypto
        .createHash("md5")
        .update(fs.readFileSync(path.join(workspace, "dist", name)))
        .digest("hex");
    for (const name of [ISO, "SHA256SUMS"]) {
      assert.equal(metadata.files.find((f) => f.name === name)?.md5, md5(name), name);
    }
    const outputs = Object.fromEntries(
      res.output
        .trim()
        .split("\n")
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    assert.equal(outputs.torrent, `${ia.url}/download/${ID}/${ID}_archive.torrent`);
    const sha = (name: string) =>
      crypto
        .createHash("sha256")
        .update(fs.readFileSync(path.join(workspace, "dist", name)))
        .digest("hex");
    const size = (name: string) => fs.statSync(path.join(workspace, "dist", name)).size;
    assert.equal(outputs.files, [ISO, "SHA256SUMS"].map((n) => `${n}:${sha(n)}:${md5(n)}:${size(n)}`).join(" "));
  });
});
