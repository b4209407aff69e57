// The policy pack as `pulumi policy publish` ships it and an enforcing `pulumi` installs it:
// publish runs `npm pack --loglevel=error` in policy/ and reads the tarball's name from npm's
// stdout; the engine extracts the tarball's `package/` into its plugin folder and runs
// `npm install --loglevel=error` there. Done in a folder outside the repository, so nothing
// resolves through the project's node_modules or sources (docs/policy-pack.md).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildIfStale } from "./processes";
import { PROJECT_DIR } from "./program-run";

export interface PublishedPack {
  /** What `npm pack` printed on stdout (publish takes it as the file name). */
  readonly packStdout: string;
  /** The tarball's entries, sorted. */
  readonly files: readonly string[];
  /** The installed pack: what `--policy-pack` or the engine's plugin folder points at. */
  readonly dir: string;
  dispose(): void;
}

const npm = (args: string[], cwd: string) => execFileSync("npm", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 300_000 });

export function installPublishedPack(): PublishedPack {
  buildIfStale(); // the tarball carries policy/bin, which npm run build makes
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "margine-published-pack-"));
  if (!path.relative(PROJECT_DIR, work).startsWith("..")) throw new Error(`${work} is inside the repository`);
  const policyDir = path.join(PROJECT_DIR, "policy");
  const packStdout = npm(["pack", "--loglevel=error"], policyDir);
  const tarball = path.join(work, "pack.tgz");
  fs.renameSync(path.join(policyDir, packStdout.trim().split("\n").pop()!), tarball);
  const files = execFileSync("tar", ["tzf", tarball], { encoding: "utf8" }).split("\n").filter(Boolean).sort();
  execFileSync("tar", ["xzf", tarball, "-C", work]);
  const dir = path.join(work, "margine-policy");
  fs.renameSync(path.join(work, "package"), dir);
  // --prefer-offline: the same versions npm-shrinkwrap.json pins, from npm's cache when it has them.
  npm(["install", "--loglevel=error", "--prefer-offline"], dir);
  return { packStdout, files, dir, dispose: () => fs.rmSync(work, { recursive: true, force: true }) };
}
