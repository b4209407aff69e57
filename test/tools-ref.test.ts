// The image repository's jobs that hold secrets run this repository's CLIs at a pinned commit
// (config toolsRef), while their command lines are rendered by the code at HEAD. A pin left behind
// when a CLI gains a script or a flag breaks the first real run ("Missing script: build" was the
// one found), and no workflow test would see it: they all run HEAD's CLIs. This test reads the
// pinned commit with the real git and checks it offers every script and flag those jobs use.
import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as YAML from "yaml";
import { generatedFiles } from "../components/workflows/generated-files";
import { requireTool } from "../fixtures/system-tool";
import { PROJECT_DIR } from "./support/program-run";
import { ParsedWorkflow, toolsRefOf } from "./components/workflows/generated";

/** One `npm run NAME -- FLAGS` a pinned job runs. */
interface PinnedInvocation {
  readonly where: string;
  readonly script: string;
  readonly flags: readonly string[];
}

const STACK_FILES = fs.readdirSync(PROJECT_DIR).filter((f) => /^Pulumi\..+\.yaml$/.test(f));

/** Every npm script, with its flags, run by a job that checks the pipeline out at `toolsRef`. */
function pinnedInvocations(toolsRef: string): PinnedInvocation[] {
  const found: PinnedInvocation[] = [];
  for (const file of generatedFiles(toolsRef, ["daniel-g-carrasco"]).imageRepository.filter((f) => f.workflow !== undefined)) {
    const workflow = YAML.parse(file.content) as ParsedWorkflow;
    for (const [jobId, job] of Object.entries(workflow.jobs)) {
      if (!job.steps.some((s) => s.with?.ref === toolsRef)) continue;
      for (const step of job.steps) {
        // A command continues over backslash-newlines; flags are the `--name` words of the command.
        const script = (step.run ?? "").replace(/\\\n/g, " ");
        for (const m of script.matchAll(/npm run (?:-s |--silent )?([a-z][a-z0-9-]*)([^\n;|&]*)/g)) {
          const args = m[2].split(" -- ")[1] ?? "";
          found.push({
            where: `${file.path} ${jobId} "${step.name}"`,
            script: m[1],
            flags: [...args.matchAll(/(?:^|\s)--([a-z][a-z0-9-]*)/g)].map((f) => f[1]),
          });
        }
      }
    }
  }
  return found;
}

/** A file of the pinned commit, read with git; the commit must be in this clone's history. */
function atCommit(git: string, commit: string, file: string): string {
  const shown = spawnSync(git, ["show", `${commit}:${file}`], { cwd: PROJECT_DIR, encoding: "utf8" });
  if (shown.status !== 0) {
    const shallow = execFileSync(git, ["rev-parse", "--is-shallow-repository"], { cwd: PROJECT_DIR, encoding: "utf8" }).trim();
    throw new Error(
      `git show ${commit}:${file} failed (${shown.stderr.trim()})` +
        (shallow === "true" ? "; this clone is shallow: fetch the history (git fetch --unshallow) to check the pin" : ""),
    );
  }
  return shown.stdout;
}

/** Whether a CLI's source declares `--flag` among its parseCommandLine options (`"flag": { type`). */
function declaresFlag(source: string, flag: string): boolean {
  return new RegExp(`(?<![\\w-])["']?${flag}["']?\\s*:\\s*\\{\\s*type`).test(source);
}

/** What a job would trip on at `toolsRef`: one line per missing script or flag, naming the job. */
function pinProblems(git: string, toolsRef: string): string[] {
  const problems: string[] = [];
  const scripts = JSON.parse(atCommit(git, toolsRef, "package.json")).scripts ?? {};
  for (const { where, script, flags } of pinnedInvocations(toolsRef)) {
    if (!(script in scripts)) {
      problems.push(`no npm script "${script}", which ${where} runs`);
      continue;
    }
    if (flags.length === 0) continue;
    const source = atCommit(git, toolsRef, `scripts/${script}.ts`);
    for (const flag of flags) {
      if (!declaresFlag(source, flag)) problems.push(`scripts/${script}.ts declares no --${flag}, which ${where} passes`);
    }
  }
  return problems;
}

describe("toolsRef: the pinned pipeline commit the image repository's jobs run", () => {
  const git = requireTool("git", "git");
  const pinned = STACK_FILES.map((f) => ({ stackFile: f, toolsRef: toolsRefOf(f) })).filter((s): s is { stackFile: string; toolsRef: string } => !!s.toolsRef);

  it("is set by the platform stack files (the example and prod), and the pinned jobs run build, publish-iso, retention and staleness", () => {
    assert.deepEqual(pinned.map((p) => p.stackFile).sort(), ["Pulumi.example.yaml", "Pulumi.prod.yaml"]);
    for (const { toolsRef } of pinned) {
      assert.deepEqual([...new Set(pinnedInvocations(toolsRef).map((i) => i.script))].sort(), ["build", "publish-iso", "retention", "staleness"]);
    }
  });

  it("offers every npm script and flag the pinned jobs' rendered commands use", () => {
    for (const { stackFile, toolsRef } of pinned) {
      assert.deepEqual(pinProblems(git, toolsRef), [], `${stackFile}: toolsRef ${toolsRef} is behind the workflows; set it to a newer commit of main`);
    }
  });

  it("finds what the pin the stack files carried before this check would have tripped on", () => {
    const problems = pinProblems(git, "841660b751c5a3d489e1c69e6bfbaf637b97f5b5");
    assert.ok(
      problems.some((p) => p.startsWith('no npm script "build", which .github/workflows/retention.yml retention')),
      problems.join("\n"),
    );
  });

  it("finds a flag by its option declaration, not by a longer name that contains it", () => {
    const retention = atCommit(git, "HEAD", "scripts/retention.ts");
    assert.deepEqual(
      ["pr-days", "candidate-days", "apply", "owner-type", "days", "prune"].map((flag) => declaresFlag(retention, flag)),
      [true, true, true, true, false, false],
    );
  });
});
