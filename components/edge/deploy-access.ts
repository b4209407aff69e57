// The deploy key's only power: rsync into the ISO directory (build-disk's edge_sync job).
// rrsync (Debian rsync package) is the forced command; -wo forbids reading, -no-del leaves
// deletion to the prune timer; `restrict` drops forwarding, PTY, agent and X11.
import { DEPLOY_USER, EDGE_PATHS } from "./edge-layout";

export const RRSYNC = "/usr/bin/rrsync";

const PUBLIC_KEY = /^(ssh-ed25519|ecdsa-sha2-nistp256|ssh-rsa) [A-Za-z0-9+/=]{40,}( .*)?$/;

/** The authorized_keys line; `directory` is parameterized so the sshd test can use a temp dir. */
export function renderAuthorizedKeys(publicKey: string, directory: string = EDGE_PATHS.isoDir): string {
  const [type, body] = publicKey.trim().split(/\s+/);
  if (!PUBLIC_KEY.test(`${type} ${body}`)) {
    throw new Error(`edge deploy key is not an OpenSSH public key ("TYPE BASE64"): ${publicKey.slice(0, 40)}...`);
  }
  return `restrict,command="${RRSYNC} -wo -no-del ${directory}" ${type} ${body} margine-edge-deploy\n`;
}

/**
 * sshd drop-in: the deploy user's keys come from a root-owned file (the user cannot rewrite its
 * own restriction), and password logins are refused for it whatever the global settings say.
 */
export function renderSshdDropIn(): string {
  return `# Rendered by margine-pipeline (components/edge/deploy-access.ts).
Match User ${DEPLOY_USER}
    AuthorizedKeysFile ${EDGE_PATHS.deployAuthorizedKeys}
    PasswordAuthentication no
    KbdInteractiveAuthentication no
    DisableForwarding yes
    PermitTTY no
`;
}
