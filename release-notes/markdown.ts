// Release notes as GitHub Markdown, for a pull request body or comment. Summary first (what kind
// of release, both sides, what could not be verified), long lists folded in <details>, and the
// whole under GitHub's 65,536-character limit whatever the diff: lists are cut, with a count and a
// link to the full notes, until it fits. Text from outside (commit subjects, package names) is
// escaped, so a commit cannot mention people, close issues or inject HTML into the review.
import { changedCount, PackageChange } from "./package-diff";
import { ImageSide, ReleaseNotes } from "./release-notes";

/** GitHub refuses a body or comment over 65,536 characters. */
export const GITHUB_BODY_LIMIT = 65_536;

export interface MarkdownOptions {
  /** Characters the notes may take (the caller keeps room for what it adds). */
  readonly limit?: number;
  /** Where the complete notes are (a run artifact): cut lists link to it. */
  readonly fullNotesUrl?: string;
}

/** Plain text safe in Markdown and HTML: no mentions, issue references, links, emphasis or tags. */
export function escapeText(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/#/g, "&#35;")
    .replace(/@/g, "&#64;")
    .replace(/([\\`*_[\]|~])/g, "\\$1")
    .replace(/[\r\n]+/g, " ");
}

export const shortDigest = (digest: string) => `${digest.slice(0, 19)}…`;

export function formatBytes(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (abs >= 2 ** 20) return `${(n / 2 ** 20).toFixed(1)} MiB`;
  if (abs >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

const signed = (n: number) => `${n >= 0 ? "+" : "−"}${formatBytes(Math.abs(n))}`;

const KIND_TITLE = { "first-release": "First release", update: "Update", rollback: "Rollback", unchanged: "No change" } as const;

function signatureCell(side: ImageSide): string {
  const s = side.signature;
  if (s.status === "verified") return `✅ verified (key \`${s.key.slice(0, 19)}…\`)`;
  if (s.status === "unchecked") return "⚠️ not checked (no key given)";
  return `❌ not verified: ${escapeText(s.reason)}`;
}

function packagesCell(side: ImageSide): string {
  const p = side.packages;
  if (p.status === "verified") return `✅ ${p.packages.length} packages, attestation verified`;
  if (p.status === "unchecked") return `⚠️ ${p.packages.length} packages, attestation not checked (no key given)`;
  return p.status === "missing" ? "— no attestation" : `❌ ${p.status === "unverified" ? "not verified" : "unreadable"}`;
}

function revisionCell(side: ImageSide): string {
  const f = side.facts;
  if (!f?.revision) return "—";
  const text = `\`${escapeText(f.revision.slice(0, 12))}\``;
  return f.source && /^https:\/\/github\.com\//.test(f.source) ? `[${text}](${f.source.replace(/\/$/, "")}/commit/${encodeURIComponent(f.revision)})` : text;
}

function baseCell(side: ImageSide): string {
  const f = side.facts;
  if (!f?.baseName && !f?.baseDigest) return "—";
  return [f.baseName ? escapeText(f.baseName) : undefined, f.baseDigest ? `\`${shortDigest(f.baseDigest)}\`` : undefined].filter(Boolean).join(" ");
}

function sideTable(notes: ReleaseNotes): string[] {
  const sides: [string, ImageSide | undefined][] = [
    ["stable today", notes.from],
    ["this release", notes.to],
  ];
  const row = (label: string, cell: (s: ImageSide) => string) =>
    `| ${label} | ${sides.map(([, s]) => (s ? (s.factsProblem && label !== "digest" && label !== "signature" ? "unreadable" : cell(s)) : "—")).join(" | ")} |`;
  return [
    `| | ${sides.map(([l]) => l).join(" | ")} |`,
    "|---|---|---|",
    row("digest", (s) => `\`${shortDigest(s.digest)}\``),
    row("version", (s) => (s.facts?.version ? escapeText(s.facts.version) : "—")),
    row("created", (s) => s.facts?.created ?? "—"),
    row("source revision", revisionCell),
    row("base image", baseCell),
    row(`size (${notes.to.facts?.platform ?? "pulled platform"})`, (s) => (s.facts ? formatBytes(s.facts.size) : "—")),
    row("signature", signatureCell),
    row("package list", packagesCell),
  ];
}

function summaryLines(notes: ReleaseNotes): string[] {
  const lines: string[] = [];
  const { from, to } = notes;
  if (notes.kind === "rollback") lines.push("⏪ **This is a rollback**: the new digest is older than the one it replaces.");
  if (notes.history) lines.push(`- **Commits:** ${notes.history.totalCommits} ([compare](${notes.history.compareUrl}))`);
  if (notes.packages) {
    const d = notes.packages;
    lines.push(
      `- **Packages:** ${changedCount(d)} changed, ${d.unchanged} unchanged: ${d.upgraded.length} upgraded, ${d.downgraded.length} downgraded, ` +
        `${d.added.length} added, ${d.removed.length} removed${d.verified ? "" : " (⚠️ lists not verified: no key given)"}`,
    );
  } else if (!from && to.packages.status === "verified") lines.push(`- **Packages:** ${to.packages.packages.length} (first release: nothing to compare)`);
  if (from?.facts && to.facts) {
    const moved = from.facts.baseDigest !== to.facts.baseDigest || from.facts.baseName !== to.facts.baseName;
    lines.push(`- **Base image:** ${moved ? `moved: ${baseCell(from)} → ${baseCell(to)}` : "unchanged"}`);
    lines.push(`- **Size:** ${formatBytes(from.facts.size)} → ${formatBytes(to.facts.size)} (${signed(to.facts.size - from.facts.size)})`);
  }
  if (notes.update)
    lines.push(
      `- **Update download:** ${formatBytes(notes.update.bytes)} in ${notes.update.layers} of ${notes.update.totalLayers} layers (what a client already on stable pulls)`,
    );
  if (notes.boot) lines.push(`- **Boot evidence:** [smoke-boot run](${notes.boot.run}) booted this digest at ${escapeText(notes.boot.bootedAt)}`);
  if (notes.gaps.length > 0) lines.push("", "**Missing or not verified:**", ...notes.gaps.map((g) => `- ${escapeText(g)}`));
  return lines;
}

function header(notes: ReleaseNotes): string[] {
  const arrow = notes.from ? `\`${shortDigest(notes.from.digest)}\` → \`${shortDigest(notes.to.digest)}\`` : `\`${shortDigest(notes.to.digest)}\``;
  return [`## Release notes: ${KIND_TITLE[notes.kind]} of ${escapeText(notes.image)}, ${arrow}`, ""];
}

/** The part the preview comment shows above the Pulumi diff: no lists. */
export function renderSummary(notes: ReleaseNotes, options: MarkdownOptions = {}): string {
  const more = options.fullNotesUrl ? ["", `Full notes: ${options.fullNotesUrl}`] : [];
  return [...header(notes), ...sideTable(notes), "", ...summaryLines(notes), ...more].join("\n") + "\n";
}

function folded(title: string, items: readonly string[], cap: number, fullNotesUrl: string | undefined, table?: string[]): string[] {
  if (items.length === 0) return [];
  const cut = items.length > cap ? [`\n… and ${items.length - cap} more${fullNotesUrl ? `: see the [full notes](${fullNotesUrl})` : ""}`] : [];
  return [`<details><summary>${title} (${items.length})</summary>`, "", ...(table ?? []), ...items.slice(0, cap), ...cut, "", "</details>", ""];
}

function packageRow(p: PackageChange): string {
  const name = `${escapeText(p.name)}${p.showArch ? ` (${escapeText(p.arch)})` : ""}`;
  return `| ${name} | ${p.from ? escapeText(p.from) : ""} | ${p.to ? escapeText(p.to) : ""} |`;
}

function lists(notes: ReleaseNotes, cap: number, url: string | undefined): string[] {
  const out: string[] = [];
  if (notes.history) {
    const commits = notes.history.commits.map((c) => `- [\`${c.sha.slice(0, 7)}\`](${c.url}) ${escapeText(c.subject)} (${escapeText(c.author)})`);
    out.push(...folded("Commits", commits, cap, url ?? notes.history.compareUrl));
    if (notes.history.totalCommits > commits.length)
      out.push(`${notes.history.totalCommits - commits.length} more commits: [compare](${notes.history.compareUrl})`, "");
  }
  const d = notes.packages;
  if (d) {
    const table = ["| package | stable today | this release |", "|---|---|---|"];
    for (const [title, changes] of [
      ["⚠️ Downgraded", d.downgraded],
      ["Removed", d.removed],
      ["Added", d.added],
      ["Upgraded", d.upgraded],
    ] as const)
      out.push(...folded(title, changes.map(packageRow), cap, url, table));
  }
  return out;
}

/** The full notes, cut to `limit` characters by shortening the lists (never the summary). */
export function renderNotes(notes: ReleaseNotes, options: MarkdownOptions = {}): string {
  const limit = options.limit ?? GITHUB_BODY_LIMIT - 1_536;
  const top = [...header(notes), ...sideTable(notes), "", ...summaryLines(notes), ""];
  for (const cap of [Infinity, 1000, 500, 200, 100, 50, 20, 10, 0]) {
    const text = [...top, ...lists(notes, cap, options.fullNotesUrl)].join("\n");
    if (text.length <= limit) return text;
  }
  return renderSummary(notes, options).slice(0, limit);
}
