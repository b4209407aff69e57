// Handbook 11.1: "Margine publishes exactly one image name with a small, rigid tag grammar" —
// candidate, candidate.YYYYMMDD, pr-N, stable, stable.YYYYMMDD, YYYYMMDD. Promotions move only the
// stable channel; workflow tag templates emit only the grammar, and never the stable channel, which
// belongs to the boot-gated promotion.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { PromotionTagProblemKind, promotionTagProblems } from "../grammar/promotion-tags";
import { TagGrammar, utcDateStamp } from "../grammar/values";
import { subject } from "./resource-text";
import { ResourceTypes } from "./resource-types";
import { WorkflowFile, readWorkflow, scriptCommands } from "./workflow-file";

const GRAMMAR = "candidate, candidate.YYYYMMDD, pr-N, stable, stable.YYYYMMDD or YYYYMMDD";
const BUILD_KINDS = new Set(["candidate", "candidate-dated", "pr"]);

/** The grammar's share of the tag list's problems; duplicates and emptiness belong to promote-by-digest. */
const GRAMMAR_PROBLEMS = new Set<PromotionTagProblemKind>(["not-a-list", "latest", "outside-grammar"]);

/** Findings in the tag templates of docker/metadata-action steps and literal `docker://...:tag` refs. */
export function workflowTagFindings(workflow: WorkflowFile): string[] {
  const found: string[] = [];
  for (const job of workflow.jobs) {
    const env = { ...workflow.env, ...job.env };
    for (const step of job.steps) {
      const at = `line ${step.line} (job ${job.id})`;
      if (step.uses?.startsWith("docker/metadata-action@") && typeof step.with.tags === "string") {
        for (const line of step.with.tags
          .split("\n")
          .map((l) => l.trim())
          .filter(Boolean)) {
          const problem = metadataTagProblem(line, env);
          if (problem) found.push(`${at}: tag template "${line}" ${problem}`);
        }
      }
      if (step.run) {
        for (const command of scriptCommands(step.run, step.runLine)) {
          for (const m of command.text.matchAll(/docker:\/\/([^\s"']+)/g)) {
            const tag = literalTag(m[1]);
            if (tag !== undefined && !TagGrammar.parse(tag)) {
              found.push(`line ${command.line} (job ${job.id}): "${m[1]}" uses tag "${tag}", outside the grammar; expected ${GRAMMAR}`);
            }
          }
        }
      }
    }
  }
  return found;
}

/** The literal tag of an image reference, if it has one (none for digests and variable tags). */
function literalTag(reference: string): string | undefined {
  if (reference.includes("@")) return undefined;
  const last = reference.slice(reference.lastIndexOf("/") + 1);
  // host/path:tag, or ${IMAGE}:tag where the variable holds host/path.
  const m = reference.includes("/") ? /:([^:]+)$/.exec(last) : /\}:([^/]+)$/.exec(reference);
  const tag = m?.[1];
  return tag === undefined || tag.includes("$") || tag.includes("{") ? undefined : tag;
}

function metadataTagProblem(line: string, env: Record<string, unknown>): string | undefined {
  const fields = Object.fromEntries(
    line.split(",").map((kv) => {
      const eq = kv.indexOf("=");
      return eq < 0 ? [kv.trim(), ""] : [kv.slice(0, eq).trim(), kv.slice(eq + 1).trim()];
    }),
  );
  if (fields.type === "ref") {
    if (fields.event !== "pr") return `uses type=ref,event=${fields.event}; only event=pr (prefix pr-) is in the grammar`;
    if (fields.prefix !== "pr-" || fields.suffix)
      return `must be type=ref,event=pr,prefix=pr- (tag pr-N); got prefix "${fields.prefix ?? ""}"${fields.suffix ? ` and suffix "${fields.suffix}"` : ""}`;
    return undefined;
  }
  if (fields.type !== "raw") return `uses type=${fields.type}; the grammar allows only type=raw values and type=ref,event=pr`;
  const value = resolveTemplate(fields.value ?? "", env);
  if (typeof value !== "string") return value.problem;
  const parsed = TagGrammar.parse(value);
  if (!parsed) return `renders "${value}", outside the grammar (${GRAMMAR})`;
  if (!BUILD_KINDS.has(parsed.kind))
    return `renders "${value}": build workflows write candidate and pr-N tags only; the stable channel is written by the boot-gated promotion`;
  return undefined;
}

/** Renders `${{ env.X }}` from literal env values and `{{date 'YYYYMMDD'}}` with today's date. */
function resolveTemplate(template: string, env: Record<string, unknown>): string | { problem: string } {
  let problem: string | undefined;
  const rendered = template
    .replace(/\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (whole, name: string) => {
      const v = env[name];
      if (typeof v === "string" && !v.includes("${{")) return v;
      problem ??= `uses ${whole}, which is not a literal env value of the workflow or job; declare it in env:`;
      return whole;
    })
    .replace(/\{\{\s*date\s+'([^']*)'[^}]*\}\}/g, (whole, format: string) => {
      if (format !== "YYYYMMDD") problem ??= `formats the date as '${format}'; the grammar's dates are YYYYMMDD`;
      return format === "YYYYMMDD" ? utcDateStamp(new Date()) : whole;
    });
  if (problem) return { problem };
  if (/\$\{\{|\{\{/.test(rendered)) return { problem: `contains an expression the grammar cannot check; use env.NAME literals and {{date 'YYYYMMDD'}}` };
  return rendered;
}

export const tagGrammar: ResourceValidationPolicy = {
  name: "tag-grammar",
  description: "Promotion tags are stable, stable.YYYYMMDD or YYYYMMDD (real dates); workflow tag templates emit only the handbook's grammar (11.1).",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: (args, reportViolation) => {
    const where = subject(args);
    if (args.type === ResourceTypes.promotion) {
      for (const problem of promotionTagProblems(args.props.tags)) {
        if (GRAMMAR_PROBLEMS.has(problem.kind)) reportViolation(`Promotion ${args.name}: ${problem.text}`);
      }
    }
    const workflow = readWorkflow(args);
    if (workflow && !(workflow instanceof Error)) {
      for (const finding of workflowTagFindings(workflow)) reportViolation(`${where}: ${finding}`);
    }
  },
};
