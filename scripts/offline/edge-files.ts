// What `npm run synth` writes to DIR/edge/: every file the edge commands install, at its path on
// the VM (from the install script's marker line), and every command script under commands/.
// Secret content (the origin certificate's key) is never written.
import { isSecretValue } from "./evaluate";
import { FILE_MARKER } from "../../components/edge/remote-scripts";

const REMOTE_COMMAND = "command:remote:Command";

export interface EdgeSynthFile {
  /** Relative to DIR/edge/. */
  readonly path: string;
  readonly content: string;
}

export function edgeSynthFiles(resources: readonly { type: string; name: string; inputs: Record<string, unknown> }[]): EdgeSynthFile[] {
  const files: EdgeSynthFile[] = [];
  for (const r of resources.filter((x) => x.type === REMOTE_COMMAND)) {
    const { create, stdin } = r.inputs as { create?: unknown; stdin?: unknown };
    if (typeof create !== "string") continue;
    files.push({ path: `commands/${r.name}.sh`, content: create });
    const marker = create.startsWith(FILE_MARKER) ? create.slice(FILE_MARKER.length).split("\n")[0] : undefined;
    if (marker && typeof stdin === "string" && !isSecretValue(stdin)) {
      files.push({ path: marker.replace(/^\/+/, ""), content: stdin });
    }
  }
  return files;
}
