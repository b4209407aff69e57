// A 7-part file, an IA emulator and an interrupted first upload: the fixture of the multipart resume
// tests. The first run gives up on part 4 (IA busy beyond the retries), leaving parts 1-3 on IA and
// in the journal, which is what a killed or failed run leaves for the rerun.
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { IaError } from "../../providers/ia/ia-error";
import { IaS3Client, MiB, S3ClientOptions } from "../../providers/ia/s3-upload";
import { journalPath } from "../../providers/ia/upload-journal";
import { EmulatorCapabilities } from "../../fixtures/servers/ia/capabilities";
import { IaEmulator } from "../../fixtures/servers/ia-emulator";

export const KEYS = { access: "ACCESS0123456789", secret: "SECRET0123456789" };
export const FAST = { attempts: 2, baseDelayMs: 5, maxDelayMs: 50 };
export const ID = "margine-resume-item";

export class UploadBench {
  ia!: IaEmulator;
  dir = "";
  big = "";
  readonly logs: string[] = [];

  async start(capabilities: Partial<EmulatorCapabilities> = {}): Promise<this> {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "ia-resume-"));
    this.big = path.join(this.dir, "big.iso");
    fs.writeFileSync(this.big, crypto.randomBytes(6 * MiB + 777));
    this.ia = await new IaEmulator().start();
    this.ia.accounts.set(KEYS.access, KEYS.secret);
    Object.assign(this.ia.capabilities, capabilities);
    this.logs.length = 0;
    return this;
  }

  async stop(): Promise<void> {
    await this.ia.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  client(over: Partial<S3ClientOptions> = {}): IaS3Client {
    return new IaS3Client({
      endpoints: { s3Url: this.ia.url, iaUrl: this.ia.url },
      credentials: KEYS,
      retry: FAST,
      partSize: MiB,
      parallelParts: 1,
      log: (m) => this.logs.push(m),
      ...over,
    });
  }

  upload(source = this.big) {
    return { identifier: ID, name: path.basename(source), source, size: fs.statSync(source).size, headers: { "x-archive-auto-make-bucket": "1" } };
  }

  get journal(): string {
    return journalPath(this.big, ID);
  }

  partNumbers(): number[] {
    return this.ia.requests.filter((r) => r.method === "PUT" && /partNumber=/.test(r.path)).map((r) => Number(/partNumber=(\d+)/.exec(r.path)![1]));
  }

  /** PUTs of a whole object (no partNumber): single uploads. */
  wholePuts(): number {
    return this.ia.requests.filter((r) => r.method === "PUT" && !/partNumber=|uploadId=/.test(r.path) && r.path !== "/").length;
  }

  md5(file = this.big): string {
    return crypto.createHash("md5").update(fs.readFileSync(file)).digest("hex");
  }

  /** The first run: parts 1-3 on IA and in the journal, then a give-up on part 4. Returns the upload id. */
  async interruptedRun(): Promise<string> {
    this.ia.faults.add({ kind: "slowdown", method: "PUT", path: /partNumber=4&/, retryAfter: "0", times: 2 });
    await assert.rejects(this.client().upload(this.upload()), (err: IaError) => {
      assert.match(err.message, /gave up after 2 attempts.*\(3 of 7 parts are on IA; a rerun resumes upload (upload-\d+) and sends only the missing parts\)/);
      return true;
    });
    const open = this.ia.openUploads();
    assert.equal(open.length, 1);
    assert.deepEqual(open[0].parts, [1, 2, 3]);
    assert.ok(fs.existsSync(this.journal), "the first run left its journal");
    this.ia.requests.length = 0;
    this.logs.length = 0;
    return open[0].uploadId;
  }

  /** The rerun completed the file whole, left nothing open on IA, and removed the journal. */
  assertComplete(): void {
    assert.equal(this.ia.item(ID)!.files.get("big.iso")!.md5, this.md5());
    assert.deepEqual(this.ia.openUploads(), []);
    assert.ok(!fs.existsSync(this.journal), "the journal is gone once the upload completed");
  }
}
