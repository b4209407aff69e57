// md5 of what goes to IA: IA's metadata API reports every file's md5, so it is the check that an
// upload arrived whole (the single PUT also sends it as Content-MD5).
import * as crypto from "node:crypto";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import { IaError } from "./ia-error";

const MiB = 1024 * 1024;

export function md5Hex(data: Buffer): string {
  return crypto.createHash("md5").update(data).digest("hex");
}

/**
 * md5 of a file without holding it in memory: coreutils' md5sum in a child process (its own core,
 * a few MB), or a stream through node's md5 where md5sum is not installed.
 */
export async function fileMd5(path: string, options: { background?: boolean } = {}): Promise<string> {
  const md5sum = await md5sumOf(path, options.background ?? false);
  if (md5sum !== undefined) return md5sum;
  const hash = crypto.createHash("md5");
  for await (const chunk of fs.createReadStream(path, { highWaterMark: MiB })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** `md5sum -- path`, or undefined when md5sum is missing; any other failure is an error. */
function md5sumOf(path: string, background: boolean): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const child = execFile("md5sum", ["--", path], { maxBuffer: 1 << 16 }, (err, stdout, stderr) => {
      if ((err as NodeJS.ErrnoException | null)?.code === "ENOENT") return resolve(undefined);
      if (err) return reject(new IaError(`md5sum ${path}: ${stderr.trim() || err.message}`, "HashFailed"));
      const m = /^\\?([0-9a-f]{32}) /.exec(stdout);
      if (!m) return reject(new IaError(`md5sum ${path}: unexpected output ${JSON.stringify(stdout.slice(0, 80))}`, "HashFailed"));
      resolve(m[1]);
    });
    // Background work yields the CPU to the upload it runs beside; best effort (a container may
    // forbid it, and then the hash merely competes).
    if (background && child.pid !== undefined) {
      try {
        os.setPriority(child.pid, 19);
      } catch {
        /* priority is an optimisation only */
      }
    }
  });
}
