// rpm version ordering. Which of two packages is newer is decided by rpm itself when the image is
// built and updated, so any order computed here (the release notes' package diff) has to be rpm's
// order exactly, quirks included; a "nicer" comparison would report upgrades rpm sees as downgrades.
// rpmvercmp() is a line-by-line port of rpmvercmp() in rpm 4.x (rpmio/rpmvercmp.c, formerly
// lib/rpmvercmp.c), its loop body split into the same steps in the same order, checked against
// the real rpm binary by test/grammar/rpm-version.test.ts.

export type Ordering = -1 | 0 | 1;

// rpm's risdigit()/risalpha() (rpmstring.h) are ASCII-only and locale-independent: every other
// character, including every non-ASCII one, is a separator. This must not become \p{L} or similar.
function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

const TILDE = 0x7e;
const CARET = 0x5e;

// Reading past the end yields 0, C's NUL terminator, so the port can mirror rpm's `*one` tests.
// (An embedded U+0000 thereby ends the string here as it would in C.)
function at(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : 0;
}

/** The position of the next segment or sort marker: '~' and '^' are not separators. */
function skipSeparators(s: string, i: number): number {
  while (at(s, i) && !isDigit(at(s, i)) && !isAlpha(at(s, i)) && at(s, i) !== TILDE && at(s, i) !== CARET) i++;
  return i;
}

/**
 * What a '~' or '^' under either cursor decides: an order, "both" when each side has the same
 * marker (rpm steps over them), or undefined when neither side has one.
 */
function sortMarkerOrder(c1: number, c2: number): Ordering | "both" | undefined {
  // A tilde sorts before everything, even the end of the string: 1.0~rc1 < 1.0.
  if (c1 === TILDE || c2 === TILDE) {
    if (c1 !== TILDE) return 1;
    if (c2 !== TILDE) return -1;
    return "both";
  }
  // A caret (rpm >= 4.15) sorts like a tilde except against the end of the string, which it
  // beats: 1.0 < 1.0^git1 < 1.0.1. The end-of-string tests come first, as in rpm.
  if (c1 === CARET || c2 === CARET) {
    if (!c1) return -1;
    if (!c2) return 1;
    if (c1 !== CARET) return 1;
    if (c2 !== CARET) return -1;
    return "both";
  }
  return undefined;
}

/**
 * Compares the segments starting at `one` in `a` and `two` in `b` (both alphanumeric): the order
 * they decide, or, when they are equal, where the next segments start.
 */
function compareSegment(a: string, one: number, b: string, two: number): Ordering | readonly [number, number] {
  // The segment is all digits or all letters, its kind taken from `a`'s side; `b`'s side
  // is scanned for the same kind and may therefore be empty.
  let end1 = one;
  let end2 = two;
  const isnum = isDigit(at(a, one));
  const sameKind = isnum ? isDigit : isAlpha;
  while (sameKind(at(a, end1))) end1++;
  while (sameKind(at(b, end2))) end2++;

  // rpm: "this cannot happen" (c1 is alphanumeric here); kept so the port stays literal.
  if (end1 === one) return -1;
  // Different kinds: a numeric segment is newer than an alpha one, so 1.1 > 1.a and xyz.4 < 8.
  if (end2 === two) return isnum ? 1 : -1;

  let seg1 = a.slice(one, end1);
  let seg2 = b.slice(two, end2);
  if (isnum) {
    // Numbers compare by value without ever being converted (rpm dropped atoi() because long
    // digit runs such as dates and git timestamps overflow): strip leading zeros, then the
    // longer number wins, and equal lengths fall through to the string comparison.
    seg1 = seg1.replace(/^0+/, "");
    seg2 = seg2.replace(/^0+/, "");
    if (seg1.length > seg2.length) return 1;
    if (seg2.length > seg1.length) return -1;
  }
  // strcmp(): byte order, so uppercase sorts before lowercase (FC5 < fc4). Segments are ASCII,
  // so comparing UTF-16 code units is the same as comparing bytes.
  if (seg1 !== seg2) return seg1 < seg2 ? -1 : 1;
  return [end1, end2];
}

/**
 * Compares two version (or release) strings the way rpm does: -1 if `a` is older, 1 if newer.
 * No epoch or `-release` splitting happens here, exactly as in rpm's rpmvercmp().
 */
export function rpmvercmp(a: string, b: string): Ordering {
  // rpm's fast path; the loop below would also end in 0 for identical strings.
  if (a === b) return 0;
  let one = 0;
  let two = 0;
  while (at(a, one) || at(b, two)) {
    one = skipSeparators(a, one);
    two = skipSeparators(b, two);
    const c1 = at(a, one);
    const c2 = at(b, two);
    const marker = sortMarkerOrder(c1, c2);
    if (marker === "both") {
      one++;
      two++;
      continue;
    }
    if (marker !== undefined) return marker;
    // One side ran out: decided after the loop.
    if (!(c1 && c2)) break;
    const segment = compareSegment(a, one, b, two);
    if (typeof segment === "number") return segment;
    [one, two] = segment;
  }

  // All segments compared equal. If both are used up only separators differed (2.0 == 2_0).
  const rest1 = at(a, one);
  const rest2 = at(b, two);
  if (!rest1 && !rest2) return 0;
  // Otherwise whichever still has a segment left wins, whatever its kind: rpm has no dpkg-style
  // "trailing letters are older" rule, so 2.0.1a > 2.0.1 and 6.0.rc1 > 6.0 (use ~ for pre-releases).
  return !rest1 ? -1 : 1;
}

/** An rpm epoch:version-release. A missing release (as in a dependency `foo >= 1.2`) is undefined. */
export interface Evr {
  readonly epoch: number;
  readonly version: string;
  readonly release?: string;
}

const EVR_FORM = "[EPOCH:]VERSION[-RELEASE]";
// rpm stores the epoch in a 32-bit unsigned header tag (RPMTAG_EPOCH).
const MAX_EPOCH = 0xffffffff;

/**
 * Parses an EVR as rpm prints it: `1:2.3-4.fc41`, `2.3-4.fc41`, `2.3`, or `(none):2.3-4` (what
 * `rpm -q --qf '%{EPOCH}:…'` prints for a package without an epoch). The release starts after the
 * last `-`, as in rpm's parseEVR() (strrchr), so `1.0-2-3` is version `1.0-2`, release `3`.
 */
export function parseEvr(text: string): Evr | { problem: string } {
  const problem = (why: string) => ({ problem: `${JSON.stringify(text)} is not an rpm version of the form ${EVR_FORM}: ${why}` });
  if (text === "") return problem("it is empty");
  // rpm's own parser would take whitespace into the version; here it is always a pasting mistake.
  if (/\s/.test(text)) return problem("it contains whitespace");

  let epoch = 0;
  let rest = text;
  const colon = text.indexOf(":");
  if (colon >= 0) {
    const epochText = text.slice(0, colon);
    if (epochText !== "(none)") {
      if (!/^[0-9]+$/.test(epochText)) return problem(`the epoch ${JSON.stringify(epochText)} is not a number`);
      epoch = Number(epochText);
      if (epoch > MAX_EPOCH) return problem(`the epoch ${epochText} is larger than rpm's 32-bit epoch`);
    }
    rest = text.slice(colon + 1);
  }
  // rpmbuild rejects ':' in Version and Release, so a second colon is never something rpm printed.
  if (rest.includes(":")) return problem("only the epoch is followed by ':'");

  const dash = rest.lastIndexOf("-");
  const version = dash >= 0 ? rest.slice(0, dash) : rest;
  if (version === "") return problem("the version is empty");
  if (dash < 0) return { epoch, version };
  const release = rest.slice(dash + 1);
  if (release === "") return problem("the release after '-' is empty");
  return { epoch, version, release };
}

/**
 * Orders two EVRs: epoch numerically (a missing epoch is 0), then the versions with rpmvercmp(),
 * then the releases with rpmvercmp() only if both have one. For two installed packages this is
 * rpmVersionCompare() (lib/headerutil.c), where both always have a release. A missing release is
 * how rpm matches dependencies (rpmverOverlap() in rpmio/rpmver.c, behind rpmdsCompare()): `foo = 1.0`
 * is satisfied by foo-1.0-5, so a missing release is a wildcard, not "older". rpmverCmp() (same
 * file, behind Lua's rpm.vercmp() and rpm.ver) differs: it orders a missing release before any.
 */
export function compareEvr(a: Evr, b: Evr): Ordering {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  const version = rpmvercmp(a.version, b.version);
  if (version !== 0) return version;
  // rpm tests `r && *r`: an empty release counts as missing too.
  if (!a.release || !b.release) return 0;
  return rpmvercmp(a.release, b.release);
}

/** `epoch:version-release`, without `epoch:` when it is 0 (as rpm prints %{EVR}). */
export function formatEvr(e: Evr): string {
  return `${e.epoch !== 0 ? `${e.epoch}:` : ""}${e.version}${e.release ? `-${e.release}` : ""}`;
}
