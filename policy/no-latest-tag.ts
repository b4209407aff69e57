// Handbook 11.1: "There is deliberately no :latest. :latest conflates 'most recently built' with
// 'recommended'; on an OS image those must differ, because the recommendation gate (a real boot)
// runs after the build." A bare image reference pulls :latest implicitly, so it is forbidden too.
import { ResourceValidationPolicy } from "@pulumi/policy";
import { promotionTagProblems } from "../grammar/promotion-tags";
import { InputText, inputTexts, location, subject } from "./resource-text";
import { ResourceTypes, isWorkflowPath } from "./resource-types";

/** `:latest` as a tag of an image reference (not `ubuntu-latest`, not `runs-on: latest-...`). */
const LATEST_REFERENCE = /[A-Za-z0-9_.\-/}]:latest(?![A-Za-z0-9_.-])/g;
/** docker/metadata-action spellings that emit a latest tag. */
const LATEST_METADATA = /\b(?:value=latest(?![A-Za-z0-9_.-])|latest=true\b)/g;
/** A pull-like use of a registry image with neither tag nor digest: it resolves to :latest. */
const UNTAGGED_PULL =
  /(?:docker:\/\/|\b(?:pull|switch|rebase)\s+(?:-{1,2}[\w-]+(?:[= ]\S+)?\s+)*(?:ostree-image-signed:docker:\/\/|ostree-unverified-registry:)?|^\s*-?\s*(?:image|container):\s*["']?)((?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?\/[a-z0-9._/-]*[a-z0-9])(?![a-z0-9._/-]|[:@$])/gm;

export function latestFindings(item: InputText, workflow: boolean): string[] {
  const found: string[] = [];
  for (const m of item.text.matchAll(LATEST_REFERENCE)) {
    found.push(
      `${location(item, m.index!)}: "${excerpt(item.text, m.index!)}" uses :latest; name a tag of the handbook's grammar (candidate, stable, stable.YYYYMMDD, YYYYMMDD) or a sha256 digest`,
    );
  }
  if (!workflow) return found;
  for (const m of item.text.matchAll(LATEST_METADATA)) {
    found.push(`${location(item, m.index!)}: "${m[0]}" makes docker/metadata-action write :latest; remove it (set flavor latest=false)`);
  }
  for (const m of item.text.matchAll(UNTAGGED_PULL)) {
    found.push(
      `${location(item, m.index!)}: "${m[1]}" has no tag or digest, so it pulls :latest; pin it as ${m[1]}@sha256:<digest> or name a tag such as :stable`,
    );
  }
  return found;
}

function excerpt(text: string, index: number): string {
  const start = text.lastIndexOf("\n", index) + 1;
  const end = text.indexOf("\n", index);
  return text
    .slice(start, end < 0 ? undefined : end)
    .trim()
    .slice(0, 160);
}

export const noLatestTag: ResourceValidationPolicy = {
  name: "no-latest-tag",
  description: "No :latest image reference or tag anywhere, and no untagged image pull in a workflow (handbook 11.1).",
  enforcementLevel: "mandatory",
  severity: "high",
  validateResource: async (args, reportViolation) => {
    const where = subject(args);
    if (args.type === ResourceTypes.promotion) {
      for (const problem of promotionTagProblems(args.props.tags)) if (problem.kind === "latest") reportViolation(`${where}: ${problem.text}`);
    }
    if (args.type === ResourceTypes.actionsVariable && args.props.value === "latest") {
      reportViolation(`${where}: variable ${String(args.props.variableName)} is "latest"; a tag variable must name candidate or stable`);
    }
    const workflow = args.type === ResourceTypes.repositoryFile && isWorkflowPath(args.props.file);
    for (const item of await inputTexts(args.props)) {
      for (const finding of latestFindings(item, workflow && item.key === "content")) reportViolation(`${where} ${finding}`);
    }
  },
};
