// fileMd5: coreutils' md5sum beside the upload (another core, a few MB), node's own md5 without it.
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileMd5 } from "../../../providers/ia/file-md5";
import { requireTool } from "../../../fixtures/system-tool";

describe("fileMd5", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "file-md5-"));
  const file = path.join(dir, "a b.iso"); // a space: md5sum must get the path as one argument
  const data = crypto.randomBytes(3 * 1024 * 1024 + 17);
  const expected = crypto.createHash("md5").update(data).digest("hex");
  fs.writeFileSync(file, data);
  const savedPath = process.env.PATH;
  afterEach(() => {
    process.env.PATH = savedPath;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("matches md5 with the real md5sum", async () => {
    requireTool("md5sum", "coreutils");
    assert.equal(await fileMd5(file), expected);
  });

  it("asks md5sum when it is on PATH", async () => {
    const bin = fs.mkdtempSync(path.join(dir, "bin-"));
    fs.writeFileSync(path.join(bin, "md5sum"), `#!/bin/sh\necho "${"7".repeat(32)}  $2"\n`, { mode: 0o755 });
    process.env.PATH = bin;
    assert.equal(await fileMd5(file), "7".repeat(32));
  });

  it("hashes in-process when md5sum is missing", async () => {
    process.env.PATH = fs.mkdtempSync(path.join(dir, "empty-"));
    assert.equal(await fileMd5(file), expected);
  });

  it("fails with the file named when md5sum cannot read it", async () => {
    await assert.rejects(fileMd5(path.join(dir, "missing.iso")), /md5sum .*missing\.iso: .*No such file/);
  });
});
