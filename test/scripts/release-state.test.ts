// `npm run release-state` as the generated workflows run it: a separate process on a stack file.
import { strict as assert } from "node:assert";
import { runScript } from "../support/processes";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { parseReleaseState } from "../../config/release-state";
import { PROJECT_DIR } from "../support/program-run";

const DIGEST = `sha256:${"1f".repeat(32)}`;
const BOOT_RUN = "https://github.com/daniel-g-carrasco/margine-image/actions/runs/19000000123";

function releaseState(args: string[], env: NodeJS.ProcessEnv = {}) {
  return runScript("release-state", args, { env: { GITHUB_OUTPUT: "", ...env } });
}

describe("npm run release-state", function () {
  this.timeout(60_000);
  let tmp: string;
  let file: string;
  const prod = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.release.yaml"), "utf8");
  const declared = () => parseReleaseState(parse(fs.readFileSync(file, "utf8")).config["margine-pipeline:release"], "release");

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "release-state-"));
    file = path.join(tmp, "Pulumi.release.yaml");
    fs.copyFileSync(path.join(PROJECT_DIR, "Pulumi.release.yaml"), file);
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("stable declares the booted digest with its evidence and reports to $GITHUB_OUTPUT", () => {
    const out = path.join(tmp, "github-output");
    const run = releaseState(["stable", "--digest", DIGEST, "--boot-run", BOOT_RUN, "--booted-at", "2026-11-27T08:00:00Z", "--file", file], {
      GITHUB_OUTPUT: out,
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, `Pulumi.release.yaml: promote stable ${DIGEST}\n`);
    assert.deepEqual(declared().stable, { digest: DIGEST, evidence: { bootRun: BOOT_RUN, bootedAt: "2026-11-27T08:00:00Z" }, rollback: false });
    assert.equal(fs.readFileSync(out, "utf8"), `changed=true\nsummary=promote stable ${DIGEST}\n`);
    assert.ok(fs.readFileSync(file, "utf8").includes("# No stable promotion and no ISO release has been declared yet"), "comments kept");
  });

  it("--rollback moves stable back to an earlier boot; without it the same request exits 2", () => {
    assert.equal(releaseState(["stable", "--digest", DIGEST, "--boot-run", BOOT_RUN, "--booted-at", "2026-11-27T08:00:00Z", "--file", file]).code, 0);
    const older = `sha256:${"0e".repeat(32)}`;
    const args = ["stable", "--digest", older, "--boot-run", BOOT_RUN.replace("123", "100"), "--booted-at", "2026-11-13T08:00:00Z", "--file", file];
    const refused = releaseState(args);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^error: .*is a rollback: pass --rollback\n$/);
    const rolled = releaseState([...args, "--rollback"]);
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.equal(declared().stable?.digest, older);
    assert.equal(declared().stable?.rollback, true);
  });

  it("iso adds a release entry from NAME:SHA256:MD5:SIZE entries; the rerun is a no-op", () => {
    const args = [
      "iso",
      "--date",
      "20261127",
      "--identifier",
      "margine-20261127",
      "--file-entry",
      `margine-20261127.iso:${"ab".repeat(32)}:${"cd".repeat(16)}:6500000000`,
      "--file-entry",
      `SHA256SUMS:${"ef".repeat(32)}:${"01".repeat(16)}:87`,
      "--file",
      file,
    ];
    const run = releaseState(args);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      declared().isos.map((i) => [i.date, i.identifier, i.files.map((f) => f.name)]),
      [["20261127", "margine-20261127", ["margine-20261127.iso", "SHA256SUMS"]]],
    );
    const text = fs.readFileSync(file, "utf8");
    const again = releaseState(args);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already declared \(unchanged\)/);
    assert.equal(fs.readFileSync(file, "utf8"), text);
  });

  for (const [what, args, message] of [
    [
      "a digest that is not sha256",
      ["stable", "--digest", "sha256:abc", "--boot-run", BOOT_RUN, "--booted-at", "2026-11-27T08:00:00Z"],
      /--digest "sha256:abc": expected sha256: followed by 64/,
    ],
    [
      "a boot run that is not a run URL",
      ["stable", "--digest", DIGEST, "--boot-run", "https://github.com/x/y", "--booted-at", "2026-11-27T08:00:00Z"],
      /--boot-run "https:\/\/github.com\/x\/y": expected the https URL of the passing smoke-boot run/,
    ],
    ["a missing boot time", ["stable", "--digest", DIGEST, "--boot-run", BOOT_RUN], /--booted-at is missing; expected an ISO 8601 time/],
    ["an impossible date", ["iso", "--date", "20261131", "--identifier", "margine-x", "--file-entry", "a:b:c:d"], /--date "20261131": expected YYYYMMDD/],
    [
      "a malformed file entry",
      ["iso", "--date", "20261127", "--identifier", "margine-20261127", "--file-entry", "install.iso:abc"],
      /--file-entry "install.iso:abc": expected NAME:SHA256:MD5:SIZE/,
    ],
    [
      "a file entry passed as --file",
      ["iso", "--date", "20261127", "--identifier", "margine-20261127", "--file", `x.iso:${"ab".repeat(32)}:${"cd".repeat(16)}:1`],
      /looks like a release file entry; pass it as --file-entry NAME:SHA256:MD5:SIZE/,
    ],
    ["an unknown flag", ["stable", "--digets", DIGEST], /Unknown option '--digets'/],
    [
      "a boot time that is not on the calendar",
      ["stable", "--digest", DIGEST, "--boot-run", BOOT_RUN, "--booted-at", "2026-02-30T10:00:00Z"],
      /--booted-at "2026-02-30T10:00:00Z": expected an ISO 8601 time/,
    ],
    [
      "a boot time years in the future",
      ["stable", "--digest", DIGEST, "--boot-run", BOOT_RUN, "--booted-at", "2031-01-01T10:00:00Z"],
      /evidence\.bootedAt: "2031-01-01T10:00:00Z" is not valid; expected the time smoke-boot booted the digest, not in the future/,
    ],
    [
      "two file entries with one name",
      [
        "iso",
        "--date",
        "20261127",
        "--identifier",
        "margine-20261127",
        "--file-entry",
        `margine-20261127.iso:${"ab".repeat(32)}:${"cd".repeat(16)}:65`,
        "--file-entry",
        `margine-20261127.iso:${"ef".repeat(32)}:${"01".repeat(16)}:87`,
      ],
      /files\[1\]\.name: "margine-20261127\.iso" is not valid; expected a name no other file of the release has/,
    ],
    [
      "a release without an .iso",
      ["iso", "--date", "20261127", "--identifier", "margine-20261127", "--file-entry", `SHA256SUMS:${"ef".repeat(32)}:${"01".repeat(16)}:87`],
      /isos\[0\]\.files: \["SHA256SUMS"\] is not valid; expected the release's files including its \.iso image/,
    ],
    ["an unknown command", ["promote"], /unknown command "promote"; expected stable or iso/],
  ] as const) {
    it(`exits 2 on ${what}, before touching the file`, () => {
      const run = releaseState([...args, "--file", file]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, message);
      assert.doesNotMatch(run.stderr, /\n\s+at /, "no stack trace");
      assert.equal(fs.readFileSync(file, "utf8"), prod);
    });
  }

  it("refuses one IA identifier for two dates (exit 2, file unchanged)", () => {
    const entry = (date: string) => [
      "iso",
      "--date",
      date,
      "--identifier",
      "margine-20261127",
      "--file-entry",
      `margine-${date}.iso:${"ab".repeat(32)}:${"cd".repeat(16)}:65`,
      "--file",
      file,
    ];
    assert.equal(releaseState(entry("20261127")).code, 0);
    const before = fs.readFileSync(file, "utf8");
    const run = releaseState(entry("20261204"));
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /^error: .*isos\[1\]\.identifier: "margine-20261127" is not valid; expected one IA item per release; the release of 20261127 already uses it/,
    );
    assert.equal(fs.readFileSync(file, "utf8"), before);
  });

  it("a GITHUB_OUTPUT it cannot append to exits 2 before the stack file changes", () => {
    const run = releaseState(["stable", "--digest", DIGEST, "--boot-run", BOOT_RUN, "--booted-at", "2026-11-27T08:00:00Z", "--file", file], {
      GITHUB_OUTPUT: tmp,
    });
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^error: GITHUB_OUTPUT .*: cannot append to it \(EISDIR\); nothing was changed/);
    assert.equal(fs.readFileSync(file, "utf8"), prod);
  });

  it("names a stack file that is a directory as such (exit 2)", () => {
    const run = releaseState(["stable", "--digest", DIGEST, "--boot-run", BOOT_RUN, "--booted-at", "2026-11-27T08:00:00Z", "--file", tmp]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /^error: --file .*: is a directory, not a stack file/);
  });

  it("an unknown key in the stack file is an error naming it and the nearest known key", () => {
    assert.equal(releaseState(["stable", "--digest", DIGEST, "--boot-run", BOOT_RUN, "--booted-at", "2026-11-27T08:00:00Z", "--file", file]).code, 0);
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("rollback: false", "rolback: true"));
    const before = fs.readFileSync(file, "utf8");
    const run = releaseState([
      "iso",
      "--date",
      "20261127",
      "--identifier",
      "margine-20261127",
      "--file-entry",
      `margine-20261127.iso:${"ab".repeat(32)}:${"cd".repeat(16)}:65`,
      "--file",
      file,
    ]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /^error: .*config margine-pipeline:release\.stable: unknown key `rolback`; did you mean `rollback`\? \(known keys: digest, evidence, rollback\)/,
    );
    assert.equal(fs.readFileSync(file, "utf8"), before);
  });
});
