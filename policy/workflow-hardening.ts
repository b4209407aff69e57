// Handbook 11.1: every generated workflow is hardened — third-party
// actions pinned by commit SHA, an explicit least-privilege token, a timeout sized to the slow third
// party (11.2: the 180-minute cap that cancelled publish_ia), no pull_request_target, cosign signs by
// digest ("tag-based signing is racy"), pushes capture the digest once (--digestfile) and promotions
// copy the pinned digest with --preserve-digests.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { subject } from "./resource-text";
import { WorkflowFile, readWorkflow, scriptCommands } from "./workflow-file";

const FULL_SHA = /^[^@\s]+@[0-9a-f]{40}$/;
/** skopeo flags that take their value as the next word. */
const VALUE_FLAGS = new Set([
  "--retry-times",
  "--src-creds",
  "--dest-creds",
  "--digestfile",
  "--authfile",
  "--src-authfile",
  "--dest-authfile",
  "--format",
  "-f",
  "--multi-arch",
  "--sign-by",
  "--src-cert-dir",
  "--dest-cert-dir",
  "--retry-delay",
]);

export function hardeningFindings(wf: WorkflowFile): string[] {
  const found: string[] = [];
  if (wf.triggers.includes("pull_request_target")) {
    found.push(`line ${wf.triggersLine}: on.pull_request_target runs fork code with a write token and secrets; use pull_request`);
  }
  if (isWriteAll(wf.permissions)) found.push(`top-level permissions: write-all; grant only the scopes the jobs need (e.g. contents: read)`);
  for (const job of wf.jobs) {
    const at = `line ${job.line} (job ${job.id})`;
    if (isWriteAll(job.permissions)) found.push(`${at}: permissions: write-all; list the scopes this job needs`);
    if (wf.permissions === undefined && job.permissions === undefined) {
      found.push(`${at}: no permissions at workflow or job level; set permissions explicitly (the default token is broader than any job needs)`);
    }
    if (job.uses === undefined && job.timeoutMinutes === undefined) {
      found.push(`${at}: no timeout-minutes; size it to the slowest third party the job waits on (handbook: publish_ia needs 350)`);
    }
    if (job.uses !== undefined) found.push(...pinFindings(job.uses, at));
    for (const step of job.steps) {
      const stepAt = `line ${step.line} (job ${job.id}, step ${step.index + 1})`;
      if (step.uses !== undefined) found.push(...pinFindings(step.uses, stepAt));
      if (step.run === undefined) continue;
      for (const command of scriptCommands(step.run, step.runLine)) {
        const cmdAt = `line ${command.line} (job ${job.id})`;
        found.push(...signFindings(command.text, cmdAt), ...copyFindings(command.text, cmdAt));
      }
    }
  }
  return found;
}

function isWriteAll(permissions: unknown): boolean {
  return permissions === "write-all";
}

function pinFindings(uses: string, at: string): string[] {
  if (uses.startsWith("./")) return [];
  if (uses.startsWith("docker://")) {
    return uses.includes("@sha256:") ? [] : [`${at}: uses ${uses}; pin the container by digest (docker://image@sha256:...)`];
  }
  return FULL_SHA.test(uses) ? [] : [`${at}: uses ${uses}; pin third-party actions by full 40-character commit SHA (owner/repo@<sha> # vX.Y)`];
}

/** cosign signs what a digest names; a tag can move between sign and verify. */
function signFindings(command: string, at: string): string[] {
  if (!/\bcosign\s+sign(?!-)\b/.test(command)) return [];
  const target =
    words(command)
      .filter((w) => !w.startsWith("-") && !["cosign", "sign"].includes(w))
      .pop() ?? "";
  if (target.includes("@")) return [];
  if (!hasTag(target) && /digest|image_ref|pinned/i.test(target)) return [];
  return [`${at}: "cosign sign ... ${target}" signs by tag; sign IMAGE@sha256:<digest> (the image_ref the push step captured with --digestfile)`];
}

function copyFindings(command: string, at: string): string[] {
  const m = /\bskopeo\s+copy\b(.*)$/.exec(command);
  if (!m) return [];
  const args = words(m[1]);
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith("-")) {
      if (VALUE_FLAGS.has(args[i])) i++;
      continue;
    }
    positional.push(args[i]);
  }
  const [source = "", destination = ""] = positional;
  const found: string[] = [];
  if (source.startsWith("docker://") && destination.startsWith("docker://")) {
    if (!args.includes("--preserve-digests")) {
      found.push(`${at}: registry-to-registry skopeo copy without --preserve-digests; a promotion must keep the booted manifest byte-identical`);
    }
    if (hasTag(source.slice("docker://".length))) {
      found.push(`${at}: copies from tag "${source}"; copy the digest resolved once (docker://IMAGE@sha256:..., e.g. \${PINNED})`);
    }
  } else if (destination.startsWith("docker://") && !args.some((a) => a === "--digestfile" || a.startsWith("--digestfile="))) {
    found.push(`${at}: push without --digestfile; capture the manifest digest once and sign/promote that digest`);
  }
  return found;
}

/** Whether an image reference ends in a tag (literal or variable), e.g. x/y:candidate or ${IMG}:${TAG}. */
function hasTag(reference: string): boolean {
  if (reference.includes("@")) return false;
  const last = reference.slice(reference.lastIndexOf("/") + 1);
  return reference.includes("/") ? last.includes(":") : /\}:[^/]+$/.test(reference);
}

/** Shell words with quotes removed (enough for reading flags and image references). */
function words(text: string): string[] {
  return [...text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]).filter((w) => w !== "\\");
}

export const workflowHardening: ResourceValidationPolicy = {
  name: "workflow-hardening",
  description: "Workflows pin actions by SHA, set explicit permissions (never write-all) and timeouts, avoid pull_request_target, sign and promote by digest.",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: (args, reportViolation) => {
    const workflow = readWorkflow(args);
    if (workflow === undefined) return;
    if (workflow instanceof Error) {
      reportViolation(`${subject(args)}: ${workflow.message}; fix the generator of this workflow`);
      return;
    }
    for (const finding of hardeningFindings(workflow)) reportViolation(`${subject(args)}: ${finding}`);
  },
};
