// Fault injection, the rerun rule (kill-rerun.test.ts) for publish-iso: killed on its first part, part
// way through the parts, while CompleteMultipartUpload is unanswered and while the stored file is
// verified, against full S3 and against an IA without ListParts; the rerun must complete the item.
import { strict as assert } from "node:assert";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { journalPath } from "../../../providers/ia/upload-journal";
import { EmulatorCapabilities } from "../../../fixtures/servers/ia/capabilities";
import { IaEmulator } from "../../../fixtures/servers/ia-emulator";
import { startScript, waitUntil } from "../../support/processes";
import { KILLED, MiB, SIGNALS } from "./kill-signals";

describe("fault injection: killed at any point, the same command run again finishes the job", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "faults-kill-"));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe("publish-iso (a 40 MiB ISO in 4 MiB parts)", () => {
    const ID = "margine-20261205";
    let iso: string;
    before(() => {
      iso = path.join(dir, `${ID}.iso`);
      fs.writeFileSync(iso, crypto.randomBytes(40 * MiB + 5));
    });

    const partBytes = (ia: IaEmulator) => ia.requests.filter((r) => r.method === "PUT" && /partNumber=/.test(r.path)).reduce((sum, r) => sum + r.bodyBytes, 0);
    /** Where the first run is killed: a condition on what the emulator has received, and a fault that holds the run there. */
    const points: [string, (ia: IaEmulator) => boolean, ((ia: IaEmulator) => void)?][] = [
      ["on its first part request", (ia) => ia.requests.some((r) => r.method === "PUT" && /partNumber=/.test(r.path))],
      ["12 MiB into the parts", (ia) => partBytes(ia) >= 12 * MiB],
      ["30 MiB into the parts", (ia) => partBytes(ia) >= 30 * MiB],
      [
        "while CompleteMultipartUpload is unanswered",
        (ia) => ia.requests.some((r) => r.method === "POST" && /\?uploadId=/.test(r.path)),
        (ia) => ia.faults.add({ kind: "swallow", method: "POST", path: /\?uploadId=/, times: 1 }),
      ],
      // IA lists the stored file with a wrong md5 once, so the run is still polling the metadata API
      // (verify-wait) when it is killed; the rerun finds a file that does not match and sends it again.
      ["after IA stored the file, while it is verified", (ia) => ia.item(ID)?.files.has(`${ID}.iso`) === true, (ia) => ia.misrecordMd5.set(`${ID}.iso`, 1)],
    ];
    const ias: [string, Partial<EmulatorCapabilities>][] = [
      ["full S3", {}],
      ["no ListParts", { listParts: 404, errorCodes: false }],
    ];

    points.forEach(([point, reached, hold], i) => {
      for (const [label, capabilities] of ias) {
        const signal = SIGNALS[i % SIGNALS.length];
        it(`${signal} ${point} (${label}): the rerun completes the item`, async () => {
          const ia = await new IaEmulator().start();
          try {
            ia.accounts.set("AK", "SK");
            Object.assign(ia.capabilities, capabilities);
            hold?.(ia);
            const env = { IA_S3_URL: ia.url, IA_URL: ia.url, IA_ACCESS_KEY: "AK", IA_SECRET_KEY: "SK" };
            const args = [
              "--identifier",
              ID,
              "--file",
              iso,
              "--no-derive",
              "--torrent-wait",
              "0",
              "--verify-wait",
              "10",
              "--part-size",
              "4",
              "--parallel",
              "2",
              "--read-timeout",
              "60",
            ];
            const first = startScript("publish-iso", args, { env });
            await waitUntil(() => reached(ia) || first.child.exitCode !== null, 60_000, point);
            assert.equal(first.child.exitCode, null, `publish-iso ended before the kill: ${first.stderr()}`);
            first.child.kill(signal);
            assert.equal((await first.exited).code, KILLED[signal], first.stderr());

            const second = startScript("publish-iso", args, { env });
            const { code } = await second.exited;
            assert.equal(code, 0, second.stderr());
            const stored = ia.item(ID)!.files.get(`${ID}.iso`)!;
            assert.equal(stored.md5, crypto.createHash("md5").update(fs.readFileSync(iso)).digest("hex"));
            assert.deepEqual(ia.openUploads(), [], "no upload left open on IA");
            assert.ok(!fs.existsSync(journalPath(iso, ID)), "no journal left beside the ISO");
          } finally {
            await ia.stop();
            fs.rmSync(journalPath(iso, ID), { force: true });
          }
        });
      }
    });
  });
});
