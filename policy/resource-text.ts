// Every piece of text a resource carries, with the input key it sits under, so that text policies
// (no :latest anywhere, no secret-looking literal) see new resources without being told about them.
// In the analyzer a StringAsset arrives as an object whose `text` is a promise; in resources.json it
// is a plain object with a `text` key: both are read here.

export interface InputText {
  /** Input path, e.g. `content`, `source.text`, `tags[1]`. */
  readonly key: string;
  readonly text: string;
}

const PROVIDER_KEY = "__provider";

export async function inputTexts(props: Record<string, unknown>): Promise<InputText[]> {
  const out: InputText[] = [];
  await collect(props, "", out, 0);
  return out;
}

async function collect(value: unknown, key: string, out: InputText[], depth: number): Promise<void> {
  if (depth > 20) return;
  const resolved = value instanceof Promise ? await value : value;
  if (typeof resolved === "string") {
    out.push({ key, text: resolved });
  } else if (Array.isArray(resolved)) {
    for (const [i, v] of resolved.entries()) await collect(v, `${key}[${i}]`, out, depth + 1);
  } else if (typeof resolved === "object" && resolved !== null) {
    // Own enumerable keys plus `text`/`path`/`uri`, which asset classes keep as properties.
    const keys = new Set([...Object.keys(resolved), ...["text", "path", "uri"].filter((k) => k in resolved)]);
    for (const k of keys) {
      if (k === PROVIDER_KEY || /^[0-9a-f]{32}$/.test(k)) continue; // serialized provider, signature keys
      await collect((resolved as Record<string, unknown>)[k], key ? `${key}.${k}` : k, out, depth + 1);
    }
  }
}

/** 1-based line of `index` in `text`. */
export function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Where a finding sits: `key` for one-line values, `key line N` inside multi-line text. */
export function location(item: InputText, index: number): string {
  return item.text.includes("\n") ? `${item.key} line ${lineAt(item.text, index)}` : item.key;
}

/** How messages name a resource: its kind and name, and for a RepositoryFile the file it writes. */
export function subject(resource: { type: string; name: string; props: Record<string, unknown> }): string {
  const kind = resource.type.split(":").pop() ?? resource.type;
  const { repository, file } = resource.props as { repository?: unknown; file?: unknown };
  if (typeof file === "string") return `${kind} ${resource.name} (${typeof repository === "string" ? `${repository}/` : ""}${file})`;
  return `${kind} ${resource.name}`;
}
