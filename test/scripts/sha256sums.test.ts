import { strict as assert } from "node:assert";
import { execFile, execFileSync } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { sha256sumsText } from "../../providers/ia/sha256sums";
import { UsageError } from "../../scripts/cli";
import { sha256sumsMain } from "../../scripts/sha256sums";
import { requireTool } from "../../fixtures/system-tool";
import { cliArgs } from "../support/processes";

const ROOT = path.resolve(__dirname, "../..");

function sha256sums(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, cliArgs("sha256sums", args), { cwd: ROOT }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("npm run sha256sums", function () {
  this.timeout(30_000);
  let dir: string;
  let build: string;
  let published: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "sha256sums-"));
    // The incident layout: the build writes bootiso/install.iso; IA serves it at the item root.
    build = path.join(dir, "build", "bootiso");
    published = path.join(dir, "published");
    fs.mkdirSync(build, { recursive: true });
    fs.mkdirSync(published);
    fs.writeFileSync(path.join(build, "margine-20261120.iso"), crypto.randomBytes(5 * 1024 * 1024 + 3));
    fs.writeFileSync(path.join(build, "notes.txt"), "release notes\n");
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("writes basename-only lines, so `sha256sum -c` passes next to the published files", async () => {
    const sha256sum = requireTool("sha256sum", "coreutils");
    const out = path.join(published, "SHA256SUMS");
    const { code, stderr } = await sha256sums([path.join(build, "margine-20261120.iso"), path.join(build, "notes.txt"), "--out", out]);
    assert.equal(code, 0, stderr);
    const text = fs.readFileSync(out, "utf8");
    assert.doesNotMatch(text, /bootiso|\//);
    for (const f of ["margine-20261120.iso", "notes.txt"]) fs.copyFileSync(path.join(build, f), path.join(published, f));
    const check = execFileSync(sha256sum, ["-c", "SHA256SUMS"], { cwd: published, encoding: "utf8" });
    assert.equal(check, "margine-20261120.iso: OK\nnotes.txt: OK\n");
    // Same bytes as coreutils' own output for the published layout.
    assert.equal(text, execFileSync(sha256sum, ["margine-20261120.iso", "notes.txt"], { cwd: published, encoding: "utf8" }));
    // Without --out the same text goes to stdout.
    const printed = await sha256sums([path.join(build, "margine-20261120.iso"), path.join(build, "notes.txt")]);
    assert.equal(printed.stdout, text);
  });

  it("rejects a missing file and two files with the same basename (UsageError, exit 2)", async () => {
    await assert.rejects(
      sha256sumsMain([path.join(dir, "nope.iso")]),
      (err: UsageError) => err instanceof UsageError && err.exitCode === 2 && /nope\.iso: no such file/.test(err.message),
    );
    fs.writeFileSync(path.join(published, "notes.txt"), "other\n");
    await assert.rejects(sha256sumsMain([path.join(build, "notes.txt"), path.join(published, "notes.txt")]), /another file is also named notes\.txt/);
    await assert.rejects(sha256sumsMain([]), /at least one FILE is required/);
  });

  it("refuses entries that are not a sha256 or cannot be a line of the file", () => {
    assert.throws(() => sha256sumsText([{ name: "a.iso", sha256: "ABC" }]), /a\.iso: sha256 ABC is not 64 lowercase hex/);
    assert.throws(() => sha256sumsText([{ name: "a\nb.iso", sha256: "0".repeat(64) }]), /backslash or newline/);
    assert.equal(sha256sumsText([{ name: "dir/x.iso", sha256: "0".repeat(64) }]), `${"0".repeat(64)}  x.iso\n`);
  });

  it("refuses an empty file, a directory and a FIFO, each named for what it is (exit 2, nothing written)", async () => {
    const odd = fs.mkdtempSync(path.join(dir, "odd-"));
    const empty = path.join(odd, "margine-empty.iso");
    fs.writeFileSync(empty, "");
    const fifo = path.join(odd, "pipe.iso");
    execFileSync("mkfifo", [fifo]);
    const out = path.join(odd, "SHA256SUMS");
    const cases: [string, RegExp][] = [
      [empty, /margine-empty\.iso: is empty \(0 bytes\); a release file is never empty/],
      [odd, /: is a directory, not a regular file/],
      [fifo, /pipe\.iso: is a FIFO \(named pipe\), not a regular file/],
    ];
    for (const [file, message] of cases) {
      const res = await sha256sums([path.join(build, "notes.txt"), file, "--out", out]);
      assert.equal(res.code, 2, res.stderr);
      assert.match(res.stderr, new RegExp(`^error: ${odd}.*${message.source}`));
      assert.ok(!fs.existsSync(out), "nothing written");
    }
  });

  it("refuses its own --out file among the inputs, by path or by name (exit 2, the old file untouched)", async () => {
    const rel = fs.mkdtempSync(path.join(dir, "rerun-"));
    fs.copyFileSync(path.join(build, "margine-20261120.iso"), path.join(rel, "margine-20261120.iso"));
    const out = path.join(rel, "SHA256SUMS");
    assert.equal((await sha256sums([path.join(rel, "margine-20261120.iso"), "--out", out])).code, 0);
    const before = fs.readFileSync(out, "utf8");
    // A rerun over the folder's glob: the old SHA256SUMS is an input.
    const rerun = await sha256sums([path.join(rel, "SHA256SUMS"), path.join(rel, "margine-20261120.iso"), "--out", out]);
    assert.equal(rerun.code, 2);
    assert.match(rerun.stderr, /^error: .*SHA256SUMS: is the --out file itself/);
    // Same name elsewhere: SHA256SUMS would list a file called SHA256SUMS in the published layout.
    const elsewhere = await sha256sums([out, path.join(rel, "margine-20261120.iso"), "--out", path.join(dir, "SHA256SUMS")]);
    assert.equal(elsewhere.code, 2);
    assert.match(elsewhere.stderr, /has the --out file's name SHA256SUMS/);
    // --out naming an input (through another path to the same file) never overwrites it.
    const iso = path.join(rel, "margine-20261120.iso");
    const isoBytes = fs.readFileSync(iso);
    const clobber = await sha256sums([iso, "--out", path.join(rel, ".", "margine-20261120.iso")]);
    assert.equal(clobber.code, 2);
    assert.ok(fs.readFileSync(iso).equals(isoBytes), "the input is untouched");
    assert.equal(fs.readFileSync(out, "utf8"), before);
  });
});
