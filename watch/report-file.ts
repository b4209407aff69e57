// A watch report read back from JSON (`--findings`): the scheduled workflow's check job writes it,
// its issues job reads it, so the job that holds `issues: write` runs no check and reads no state.
// Validated as strictly as any input: a torn or foreign file must not close every issue as "clean".
import { CheckResult, FINDING_KINDS, WatchReport } from "./findings";

export class ReportFileError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}; expected the JSON that npm run watch -- --format json prints`);
    this.name = "ReportFileError";
  }
}

const isString = (v: unknown): v is string => typeof v === "string";

function checkResult(raw: unknown, at: string, file: string): CheckResult {
  const r = raw as Record<string, unknown>;
  if (typeof raw !== "object" || raw === null) throw new ReportFileError(file, `${at} is not an object`);
  if (!(FINDING_KINDS as readonly unknown[]).includes(r.kind))
    throw new ReportFileError(file, `${at}.kind ${JSON.stringify(r.kind)} is not one of ${FINDING_KINDS.join(", ")}`);
  const kind = r.kind as CheckResult["kind"];
  if (r.status === "clean" && isString(r.summary)) return { kind, status: "clean", summary: r.summary };
  if (r.status === "unknown" && isString(r.endpoint) && isString(r.reason)) return { kind, status: "unknown", endpoint: r.endpoint, reason: r.reason };
  if (
    r.status === "drift" &&
    (r.severity === "warning" || r.severity === "critical") &&
    isString(r.summary) &&
    isString(r.action) &&
    Array.isArray(r.details) &&
    r.details.every(isString)
  )
    return { kind, status: "drift", severity: r.severity, summary: r.summary, details: r.details, action: r.action };
  throw new ReportFileError(file, `${at} (${kind}) is not a clean, drift or unknown result`);
}

export function parseWatchReport(text: string, file: string): WatchReport {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ReportFileError(file, "is not JSON");
  }
  const r = raw as Record<string, unknown>;
  if (typeof raw !== "object" || raw === null || !isString(r.stack) || !isString(r.checkedAt) || !Array.isArray(r.results))
    throw new ReportFileError(file, "has no stack, checkedAt and results");
  if (Number.isNaN(Date.parse(r.checkedAt))) throw new ReportFileError(file, `checkedAt ${JSON.stringify(r.checkedAt)} is not a time`);
  const results = r.results.map((x, i) => checkResult(x, `results[${i}]`, file));
  const kinds = results.map((x) => x.kind);
  if (new Set(kinds).size !== kinds.length) throw new ReportFileError(file, "lists a kind twice");
  return { stack: r.stack, checkedAt: r.checkedAt, results };
}
