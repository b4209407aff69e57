// The package diff as tables: rpm's ordering decides upgraded from downgraded, several installed
// versions of one name (kernels, gpg-pubkey) compare as sets, multilib names show their arch.
import { strict as assert } from "node:assert";
import { diffPackages, ListedPackage } from "../../release-notes/package-diff";

const p = (name: string, evr: string, arch = "x86_64"): ListedPackage => ({ name, evr, arch });

describe("package diff", () => {
  const cases: [string, ListedPackage[], ListedPackage[], Record<string, string[]>][] = [
    ["tilde: a release candidate to the release is an upgrade", [p("mesa", "0:25.2.0~rc2-1")], [p("mesa", "0:25.2.0-1")], { upgraded: ["mesa"] }],
    ["caret: a snapshot after the release is an upgrade", [p("foo", "0:1.0-1")], [p("foo", "0:1.0^git1-1")], { upgraded: ["foo"] }],
    ["an epoch wins over any version", [p("vim", "2:9.1-1")], [p("vim", "1:10.0-1")], { downgraded: ["vim"] }],
    ["numeric, not text, order: 6.17.10 after 6.17.8", [p("kernel", "0:6.17.8-200")], [p("kernel", "0:6.17.10-200")], { upgraded: ["kernel"] }],
    ["the same version is unchanged", [p("bash", "0:5.2-1")], [p("bash", "5.2-1")], {}],
    ["added and removed", [p("nano", "0:8.3-2")], [p("vim", "0:9.1-1")], { added: ["vim"], removed: ["nano"] }],
    [
      "two kernels to two others: set semantics",
      [p("kernel", "0:6.1-1"), p("kernel", "0:6.2-1")],
      [p("kernel", "0:6.2-1"), p("kernel", "0:6.3-1")],
      { added: ["kernel"], removed: ["kernel"] },
    ],
  ];
  for (const [title, from, to, expected] of cases) {
    it(title, () => {
      const diff = diffPackages(from, to);
      for (const kind of ["added", "removed", "upgraded", "downgraded"] as const) {
        assert.deepEqual(
          diff[kind].map((c) => c.name),
          expected[kind] ?? [],
          kind,
        );
      }
    });
  }

  it("multilib names show their arch, others do not; results sorted by name", () => {
    const diff = diffPackages(
      [p("glibc", "0:2.41-5"), p("glibc", "0:2.41-5", "i686"), p("zlib", "0:1-1")],
      [p("glibc", "0:2.41-9"), p("glibc", "0:2.41-9", "i686"), p("zlib", "0:1-2")],
    );
    assert.deepEqual(
      diff.upgraded.map((c) => [c.name, c.arch, c.showArch]),
      [
        ["glibc", "i686", true],
        ["glibc", "x86_64", true],
        ["zlib", "x86_64", false],
      ],
    );
    assert.deepEqual([diff.upgraded[0].from, diff.upgraded[0].to], ["2.41-5", "2.41-9"]);
  });
});
