// Every file Pulumi puts on the edge VM: where it goes, how it is checked and activated, and
// which renderer makes it. One table for the component (one remote.Command per file, so a changed
// file re-deploys only itself) and for the tests and synth (which render the same table).
import { ReleaseState, latestIso } from "../../config/release-state";
import { renderAuthorizedKeys, renderSshdDropIn } from "./deploy-access";
import { EDGE_PATHS, TLS_FILES } from "./edge-layout";
import { renderIndexHtml } from "./index-page";
import { renderPruneScript, renderPruneService, renderPruneTimer } from "./iso-pruning";
import { renderNginxSite } from "./nginx-site";
import { FileInstall, renderInstallFallbackCert } from "./remote-scripts";
import { renderSha256Sums } from "./sha256sums";

/** Plain values the edge files are rendered from (the component resolves its Outputs into these). */
export interface EdgeFileValues {
  readonly filesHost: string;
  readonly fallbackHost: string;
  /** The website's host, served from this VM too (its DNS record points here). */
  readonly siteHost?: string;
  readonly release: ReleaseState;
  readonly cloudflareCidrs: readonly string[];
  readonly deployPublicKey: string;
}

/** Which of the values a file needs: the component waits only for those Outputs. */
export type EdgeFileInput = "cloudflareCidrs" | "deployPublicKey" | "none";

export interface EdgeFileSpec extends FileInstall {
  /** Resource-name suffix and synth file name. */
  readonly id: string;
  readonly needs: EdgeFileInput;
  readonly render: (values: EdgeFileValues) => string;
}

const NGINX_CHECK = "sudo nginx -t";
const NGINX_RELOAD = "sudo systemctl reload-or-restart nginx";
const TIMER = "margine-prune-isos.timer";

export const EDGE_FILES: readonly EdgeFileSpec[] = [
  {
    id: "nginx-site",
    needs: "cloudflareCidrs",
    path: EDGE_PATHS.nginxSite,
    mode: "0644",
    render: (v) => renderNginxSite({ filesHost: v.filesHost, fallbackHost: v.fallbackHost, siteHost: v.siteHost, cloudflareCidrs: v.cloudflareCidrs }),
    validate: `sudo ln -sfn ${EDGE_PATHS.nginxSite} ${EDGE_PATHS.nginxSiteEnabled} && ${NGINX_CHECK}`,
    // A first site nginx rejects must not leave a dangling link that fails every later nginx -t.
    undoFirstInstall: `sudo rm -f ${EDGE_PATHS.nginxSiteEnabled}`,
    activate: NGINX_RELOAD,
    deactivate: `sudo rm -f ${EDGE_PATHS.nginxSiteEnabled} && ${NGINX_RELOAD}`,
  },
  {
    id: "index-html",
    needs: "none",
    path: `${EDGE_PATHS.webRoot}/index.html`,
    mode: "0644",
    render: (v) => renderIndexHtml({ release: v.release, fallbackHost: v.fallbackHost }),
  },
  {
    id: "sha256sums",
    needs: "none",
    path: `${EDGE_PATHS.webRoot}/SHA256SUMS`,
    mode: "0644",
    render: (v) => renderSha256Sums(latestIso(v.release)),
  },
  {
    id: "prune-script",
    needs: "none",
    path: EDGE_PATHS.pruneScript,
    mode: "0755",
    render: () => renderPruneScript(),
  },
  {
    id: "prune-service",
    needs: "none",
    path: EDGE_PATHS.pruneService,
    mode: "0644",
    render: () => renderPruneService(),
    activate: "sudo systemctl daemon-reload",
  },
  {
    id: "prune-timer",
    needs: "none",
    path: EDGE_PATHS.pruneTimer,
    mode: "0644",
    render: () => renderPruneTimer(),
    activate: `sudo systemctl daemon-reload && sudo systemctl enable ${TIMER} && sudo systemctl restart ${TIMER}`,
    deactivate: `sudo systemctl disable --now ${TIMER} || true`,
  },
  {
    id: "deploy-authorized-keys",
    needs: "deployPublicKey",
    path: EDGE_PATHS.deployAuthorizedKeys,
    mode: "0644",
    render: (v) => renderAuthorizedKeys(v.deployPublicKey),
  },
  {
    id: "sshd-deploy-user",
    needs: "none",
    path: EDGE_PATHS.sshdDropIn,
    mode: "0644",
    render: () => renderSshdDropIn(),
    validate: "sudo sshd -t",
    activate: "sudo systemctl reload ssh",
  },
  {
    id: "install-fallback-cert",
    needs: "none",
    path: EDGE_PATHS.installFallbackCert,
    mode: "0755",
    render: (v) => renderInstallFallbackCert(v.fallbackHost),
  },
];

/** The origin certificate + key PEM: secret, so it is not in the table synth writes out. */
export const ORIGIN_PEM: FileInstall = {
  path: TLS_FILES.origin,
  mode: "0600",
  validate: NGINX_CHECK,
  activate: NGINX_RELOAD,
};

/** Renders the whole table: `relative path -> content` (tests, synth, the benchmark). */
export function renderEdgeFiles(values: EdgeFileValues): Map<string, string> {
  return new Map(EDGE_FILES.map((f) => [f.path.replace(/^\//, ""), f.render(values)]));
}
