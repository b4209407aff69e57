// A local stand-in of the GitHub REST endpoints this project calls, faithful to the shapes in
// docs/protocols.md and GitHub's REST docs. Tests start it, seed its state, point
// the code under test at its URL, and read `requests` to see what was called.
import * as http from "node:http";
import { AddressInfo } from "node:net";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly body: string;
}

export interface StoredPackage {
  visibility: "public" | "private";
  /** `owner/name` of the linked repository, or null. */
  repository: string | null;
}

export type Route = (req: RecordedRequest, url: URL) => { status: number; body?: unknown; headers?: Record<string, string> } | undefined;

export class GitHubApiStandIn {
  readonly requests: RecordedRequest[] = [];
  /** Container packages by `owner/name`. */
  readonly packages = new Map<string, StoredPackage>();
  /** Container package versions by `owner/name` (GET .../versions paginated, DELETE .../versions/{id}). */
  readonly versions = new Map<string, StoredVersion[]>();
  /** When set, every request without `Authorization: token|Bearer <requiredToken>` gets 401. */
  requiredToken: string | undefined;
  /** Extra routes tried before the built-in ones (the site stand-in adds contents, refs, pulls). */
  readonly routes: Route[] = [];
  private server!: http.Server;
  url = "";

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const rec: RecordedRequest = { method: req.method ?? "GET", path: req.url ?? "/", authorization: req.headers.authorization, body: Buffer.concat(chunks).toString() };
        this.requests.push(rec);
        const answer = this.answer(rec);
        res.writeHead(answer.status, { "content-type": "application/json; charset=utf-8", ...answer.headers });
        res.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private answerVersions(req: RecordedRequest, url: URL, key: string, id: string | undefined): { status: number; body?: unknown } {
    const stored = this.versions.get(key);
    if (!stored) return notFound();
    if (req.method === "GET" && id === undefined) {
      const perPage = Number(url.searchParams.get("per_page") ?? 30);
      const page = Number(url.searchParams.get("page") ?? 1);
      return {
        status: 200,
        body: stored.slice((page - 1) * perPage, page * perPage).map((v) => ({
          id: v.id, name: v.name, created_at: v.created_at, updated_at: v.created_at, package_type: "container",
          metadata: { package_type: "container", container: { tags: v.tags } },
        })),
      };
    }
    if (req.method === "DELETE" && id !== undefined) {
      const index = stored.findIndex((v) => v.id === Number(id));
      if (index < 0) return notFound();
      stored.splice(index, 1);
      return { status: 204 };
    }
    return notFound();
  }

  private answer(req: RecordedRequest): { status: number; body?: unknown; headers?: Record<string, string> } {
    const url = new URL(req.path, "http://stand-in");
    if (this.requiredToken !== undefined) {
      const token = req.authorization?.replace(/^(token|Bearer) /i, "");
      if (token !== this.requiredToken) return { status: 401, body: { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" } };
    }
    for (const route of this.routes) {
      const answer = route(req, url);
      if (answer) return answer;
    }
    const versions = /^\/(users|orgs)\/([^/]+)\/packages\/container\/([^/]+)\/versions(?:\/(\d+))?$/.exec(url.pathname);
    if (versions) return this.answerVersions(req, url, `${versions[2]}/${decodeURIComponent(versions[3])}`, versions[4]);
    const pkg = /^\/(users|orgs)\/([^/]+)\/packages\/container\/([^/]+)$/.exec(url.pathname);
    if (pkg && req.method === "GET") {
      const owner = pkg[2];
      const name = decodeURIComponent(pkg[3]);
      const stored = this.packages.get(`${owner}/${name}`);
      if (!stored) return notFound();
      return {
        status: 200,
        body: {
          id: 1,
          name,
          package_type: "container",
          owner: { login: owner, type: pkg[1] === "orgs" ? "Organization" : "User" },
          visibility: stored.visibility,
          url: `${this.url}${url.pathname}`,
          html_url: `https://github.com/${pkg[1]}/${owner}/packages/container/package/${name}`,
          repository: stored.repository === null ? undefined : { full_name: stored.repository, name: stored.repository.split("/")[1] },
          created_at: "2026-05-01T00:00:00Z",
          updated_at: "2026-11-20T00:00:00Z",
        },
      };
    }
    return notFound();
  }
}

export interface StoredVersion {
  id: number;
  /** The manifest digest. */
  name: string;
  created_at: string;
  tags: string[];
}

export function notFound() {
  return { status: 404, body: { message: "Not Found", documentation_url: "https://docs.github.com/rest" } };
}
