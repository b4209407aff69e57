// The GitHub endpoints the site bump uses (contents, git refs, pulls, merge, GraphQL auto-merge), as
// routes on GitHubApiStandIn. State is one repository with branches of files; shapes follow GitHub's
// REST docs (base64 contents with the blob sha, 422 for an existing ref, 409 for a stale file sha).
import { createHash, randomBytes } from "node:crypto";
import { GitHubApiStandIn, RecordedRequest, notFound } from "./github-api";

export interface StandInPullRequest {
  number: number;
  head: string;
  base: string;
  title: string;
  state: "open" | "closed";
  merged: boolean;
  autoMerge: boolean;
}

/** How the GraphQL enablePullRequestAutoMerge mutation answers, as GitHub does in each case. */
export type AutoMergeBehaviour = "allowed" | "not-allowed" | "clean-status";

interface Branch { commit: string; files: Map<string, string> }

export function blobSha(text: string): string {
  const bytes = Buffer.from(text, "utf8");
  return createHash("sha1").update(`blob ${bytes.length}\0`).update(bytes).digest("hex");
}

export class SiteRepositoryStandIn {
  readonly branches = new Map<string, Branch>();
  readonly pulls: StandInPullRequest[] = [];
  autoMerge: AutoMergeBehaviour = "allowed";

  constructor(api: GitHubApiStandIn, readonly repository: string) {
    api.routes.push((req, url) => this.answer(req, url));
  }

  /** Resets the repository to a main branch holding `files`. */
  seed(files: Record<string, string>): void {
    this.branches.clear();
    this.pulls.length = 0;
    this.autoMerge = "allowed";
    this.branches.set("main", { commit: newCommit(), files: new Map(Object.entries(files)) });
  }

  file(branch: string, path: string): string | undefined {
    return this.branches.get(branch)?.files.get(path);
  }

  private answer(req: RecordedRequest, url: URL): { status: number; body?: unknown } | undefined {
    if (req.method === "POST" && url.pathname === "/graphql") return this.graphql(JSON.parse(req.body));
    const prefix = `/repos/${this.repository}/`;
    if (!url.pathname.startsWith(prefix)) return undefined;
    const rest = decodeURIComponent(url.pathname.slice(prefix.length));
    const body = req.body ? JSON.parse(req.body) : {};
    let m: RegExpExecArray | null;
    if ((m = /^contents\/(.+)$/.exec(rest))) {
      if (req.method === "GET") return this.getContent(m[1], url.searchParams.get("ref") ?? "main");
      if (req.method === "PUT") return this.putContent(m[1], body);
    }
    if (req.method === "GET" && (m = /^git\/ref\/heads\/(.+)$/.exec(rest))) {
      const branch = this.branches.get(m[1]);
      return branch ? { status: 200, body: { ref: `refs/heads/${m[1]}`, object: { sha: branch.commit, type: "commit" } } } : notFound();
    }
    if (req.method === "POST" && rest === "git/refs") return this.createRef(body);
    if ((m = /^git\/refs\/heads\/(.+)$/.exec(rest))) {
      if (req.method === "PATCH") return this.updateRef(m[1], body);
      if (req.method === "DELETE") return this.branches.delete(m[1]) ? { status: 204 } : { status: 422, body: { message: "Reference does not exist" } };
    }
    if (rest === "pulls" && req.method === "GET") {
      const head = url.searchParams.get("head");
      const open = this.pulls.filter((p) => p.state === (url.searchParams.get("state") ?? "open") && (!head || `${this.owner()}:${p.head}` === head));
      return { status: 200, body: open.map((p) => this.pullJson(p)) };
    }
    if (rest === "pulls" && req.method === "POST") return this.createPull(body);
    if (req.method === "PUT" && (m = /^pulls\/(\d+)\/merge$/.exec(rest))) return this.merge(Number(m[1]));
    return undefined;
  }

  private owner(): string {
    return this.repository.split("/")[0];
  }

  private getContent(path: string, ref: string) {
    const text = this.file(ref, path);
    if (text === undefined) return notFound();
    return {
      status: 200,
      body: { type: "file", encoding: "base64", path, name: path.split("/").at(-1), sha: blobSha(text), size: Buffer.byteLength(text), content: Buffer.from(text).toString("base64") },
    };
  }

  private putContent(path: string, body: { content: string; sha?: string; branch?: string; message: string }) {
    const branch = this.branches.get(body.branch ?? "main");
    if (!branch) return notFound();
    const current = branch.files.get(path);
    if (current !== undefined && body.sha !== blobSha(current)) {
      return { status: 409, body: { message: `${path} does not match ${body.sha}` } };
    }
    const text = Buffer.from(body.content, "base64").toString("utf8");
    branch.files.set(path, text);
    branch.commit = newCommit();
    return { status: current === undefined ? 201 : 200, body: { content: { path, sha: blobSha(text) }, commit: { sha: branch.commit, message: body.message } } };
  }

  private createRef(body: { ref: string; sha: string }) {
    const name = body.ref.replace(/^refs\/heads\//, "");
    if (this.branches.has(name)) return { status: 422, body: { message: "Reference already exists" } };
    const from = [...this.branches.values()].find((b) => b.commit === body.sha);
    if (!from) return { status: 422, body: { message: "Object does not exist" } };
    this.branches.set(name, { commit: body.sha, files: new Map(from.files) });
    return { status: 201, body: { ref: body.ref, object: { sha: body.sha, type: "commit" } } };
  }

  private updateRef(name: string, body: { sha: string }) {
    const branch = this.branches.get(name);
    const from = [...this.branches.values()].find((b) => b.commit === body.sha);
    if (!branch || !from) return { status: 422, body: { message: "Reference does not exist" } };
    this.branches.set(name, { commit: body.sha, files: new Map(from.files) });
    return { status: 200, body: { ref: `refs/heads/${name}`, object: { sha: body.sha, type: "commit" } } };
  }

  private createPull(body: { head: string; base: string; title: string }) {
    if (!this.branches.has(body.head)) return { status: 422, body: { message: "Validation Failed", errors: [{ field: "head", code: "invalid" }] } };
    if (this.pulls.some((p) => p.state === "open" && p.head === body.head)) {
      return { status: 422, body: { message: "Validation Failed", errors: [{ message: `A pull request already exists for ${this.owner()}:${body.head}.` }] } };
    }
    const pr: StandInPullRequest = { number: this.pulls.length + 1, head: body.head, base: body.base, title: body.title, state: "open", merged: false, autoMerge: false };
    this.pulls.push(pr);
    return { status: 201, body: this.pullJson(pr) };
  }

  private merge(number: number) {
    const pr = this.pulls.find((p) => p.number === number);
    if (!pr || pr.state !== "open") return { status: 405, body: { message: "Pull Request is not mergeable" } };
    const head = this.branches.get(pr.head)!;
    this.branches.set(pr.base, { commit: newCommit(), files: new Map(head.files) });
    pr.state = "closed";
    pr.merged = true;
    return { status: 200, body: { merged: true, message: "Pull Request successfully merged" } };
  }

  private graphql(body: { query: string; variables: { id: string } }) {
    if (!/enablePullRequestAutoMerge/.test(body.query) || !/mergeMethod:\s*SQUASH/.test(body.query)) {
      return { status: 200, body: { errors: [{ message: `stand-in: unexpected query ${body.query}` }] } };
    }
    const pr = this.pulls.find((p) => nodeId(p.number) === body.variables.id);
    if (!pr) return { status: 200, body: { data: { enablePullRequestAutoMerge: null }, errors: [{ type: "NOT_FOUND", message: `Could not resolve to a node with the global id of '${body.variables.id}'` }] } };
    if (this.autoMerge === "not-allowed") {
      return { status: 200, body: { data: { enablePullRequestAutoMerge: null }, errors: [{ type: "UNPROCESSABLE", message: "Pull request Auto merge is not allowed for this repository" }] } };
    }
    if (this.autoMerge === "clean-status") {
      return { status: 200, body: { data: { enablePullRequestAutoMerge: null }, errors: [{ type: "UNPROCESSABLE", message: "Pull request Pull request is in clean status" }] } };
    }
    pr.autoMerge = true;
    return { status: 200, body: { data: { enablePullRequestAutoMerge: { clientMutationId: null } } } };
  }

  private pullJson(pr: StandInPullRequest) {
    return {
      number: pr.number,
      node_id: nodeId(pr.number),
      state: pr.state,
      title: pr.title,
      html_url: `https://github.com/${this.repository}/pull/${pr.number}`,
      head: { ref: pr.head, label: `${this.owner()}:${pr.head}` },
      base: { ref: pr.base },
      merged: pr.merged,
    };
  }
}

function nodeId(number: number): string {
  return `PR_kwDOstandin${number}`;
}

function newCommit(): string {
  return randomBytes(20).toString("hex");
}
