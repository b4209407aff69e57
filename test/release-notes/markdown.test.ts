// The notes' Markdown without servers: GitHub's 65,536-character limit holds whatever the diff
// (2,000 packages, 250 commits), the summary is never cut, and outside text cannot mention people
// or inject HTML.
import { strict as assert } from "node:assert";
import { escapeText, GITHUB_BODY_LIMIT, renderNotes, renderSummary } from "../../release-notes/markdown";
import { diffPackages } from "../../release-notes/package-diff";
import { ImageSide, ReleaseNotes } from "../../release-notes/release-notes";
import { manyPackages } from "../support/release-images";

const side = (digest: string, packages = manyPackages(2000, "1.fc42")): ImageSide => ({
  digest,
  facts: { digest, platformDigest: digest, platform: "linux/amd64", created: "2026-12-05T04:17:00Z", layers: [{ digest, size: 2 ** 31 }], size: 2 ** 31 },
  signature: { status: "verified", key: `sha256:${"ab".repeat(32)}` },
  packages: { status: "verified", packages, key: `sha256:${"ab".repeat(32)}` },
});

function bigNotes(): ReleaseNotes {
  const [before, after] = [manyPackages(2000, "1.fc42"), manyPackages(2000, "2.fc42")];
  const from = side(`sha256:${"1".repeat(64)}`, before);
  const to = side(`sha256:${"2".repeat(64)}`, after);
  const commits = Array.from({ length: 250 }, (_, i) => ({
    sha: `${i}`.padStart(40, "c"),
    subject: `Commit ${i} `.repeat(8),
    author: "A",
    url: "https://github.com/o/r/commit/x",
  }));
  return {
    image: "ghcr.io/daniel-g-carrasco/margine",
    kind: "update",
    from,
    to,
    history: { repository: "o/r", compareUrl: "https://github.com/o/r/compare/a...b", status: "ahead", totalCommits: 400, commits },
    packages: { ...diffPackages(before, after), verified: true },
    gaps: [],
  };
}

describe("release notes as Markdown", () => {
  it("a 2,000-package diff and 250 commits stay under GitHub's limit, cut with a count and a link", () => {
    const notes = bigNotes();
    assert.equal(notes.packages!.upgraded.length, 2000);
    const text = renderNotes(notes, { fullNotesUrl: "https://github.com/o/r/actions/runs/1" });
    assert.ok(text.length < GITHUB_BODY_LIMIT, `${text.length} characters`);
    assert.match(text, /… and \d+ more: see the \[full notes\]\(https:\/\/github\.com\/o\/r\/actions\/runs\/1\)/);
    assert.match(text, /\*\*Packages:\*\* 2000 changed, 0 unchanged: 2000 upgraded/, "the summary is whole");
    assert.match(text, /150 more commits: \[compare\]/);
  });

  it("a small diff is not cut", () => {
    const notes = bigNotes();
    const text = renderNotes(notes, { limit: 10_000_000 });
    assert.doesNotMatch(text, /… and \d+ more/);
    assert.equal(text.match(/^\| pkg-\d{4} \|/gm)?.length, 2000);
  });

  it("the summary has no lists", () => {
    const text = renderSummary(bigNotes(), { fullNotesUrl: "https://example.org/notes" });
    assert.doesNotMatch(text, /<details>/);
    assert.match(text, /Full notes: https:\/\/example\.org\/notes/);
    assert.ok(text.length < 4000, `${text.length}`);
  });

  it("outside text cannot mention, reference, link or inject HTML", () => {
    assert.equal(escapeText("fix @team #12 <img src=x> [a](b) `c` | *d*"), "fix &#64;team &#35;12 &lt;img src=x&gt; \\[a\\](b) \\`c\\` \\| \\*d\\*");
  });
});
