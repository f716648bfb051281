// RunReport as versioned JSON: write it for "Export JSON" and read it back (open a saved report, compare runs).
import * as l10n from '@vscode/l10n';
import { UserError } from '../api';
import { REPORT_SCHEMA_VERSION, type RunReport } from '../../shared/report';

/** Pretty JSON of the whole report; `schemaVersion` leads so a reader can tell the format at a glance. */
export function toJson(report: RunReport): string {
  const { schemaVersion, ...rest } = report;
  return `${JSON.stringify({ schemaVersion, ...rest }, null, 2)}\n`;
}

/**
 * Parses text written by toJson. Throws a UserError that says what is wrong (not JSON, a newer schema,
 * a missing field) rather than handing a half-valid report to the panel.
 */
export function parseReportJson(text: string): RunReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UserError(l10n.t('Not a Parallel Runner report: the text is not valid JSON ({0}).', (error as Error).message));
  }
  if (!isObject(value)) throw new UserError(l10n.t('Not a Parallel Runner report: expected a JSON object.'));
  const written = value.schemaVersion;
  if (typeof written !== 'number') {
    throw new UserError(l10n.t('Not a Parallel Runner report: the "schemaVersion" field is missing.'));
  }
  // Schema 1 differed only in its warnings, plain strings then.
  let version: number = written;
  if (version === 1 && Array.isArray(value.warnings)) {
    value.warnings = value.warnings.map((warning) => (typeof warning === 'string' ? { code: 'other', message: warning } : warning));
    value.schemaVersion = version = REPORT_SCHEMA_VERSION;
  }
  if (version !== REPORT_SCHEMA_VERSION) {
    throw new UserError(
      version > REPORT_SCHEMA_VERSION
        ? l10n.t('Cannot read report schema version {0} (this version reads {1}): it was written by a newer Parallel Runner; update the tool to open it.', version, REPORT_SCHEMA_VERSION)
        : l10n.t('Cannot read report schema version {0} (this version reads {1}): it is from an unsupported older version.', version, REPORT_SCHEMA_VERSION),
    );
  }
  const problems = [
    ...expectFields(value, 'report', { id: 'string', createdAt: 'string', clockOriginUs: 'number', status: 'string' }),
    ...expectObject(value, 'tool', { name: 'string', version: 'string' }),
    ...expectObject(value, 'target', { file: 'string', name: 'string', kind: 'string' }),
    ...expectObject(value, 'options', { backend: 'string', workers: 'number' }),
    ...expectObject(value, 'host', { pid: 'number' }),
    ...expectObject(value, 'summary', { parallelMs: 'number', tasks: 'number', failedTasks: 'number', workers: 'number' }),
    ...expectArray(value, 'phases', { phase: 'string', repeat: 'number', startUs: 'number', endUs: 'number', wallMs: 'number', lanes: 'array' }),
    ...expectArray(value, 'tasks', {
      index: 'number',
      phase: 'string',
      repeat: 'number',
      lane: 'number',
      pid: 'number',
      threadId: 'number',
      queuedUs: 'number',
      status: 'string',
      argsPreview: 'string',
      logs: 'array',
    }),
    ...(Array.isArray(value.warnings) ? [] : [l10n.t('"{0}" must be an array', 'warnings')]),
  ];
  if (problems.length > 0) {
    const shown = problems.slice(0, 3).join('; ');
    throw new UserError(
      problems.length > 3
        ? l10n.t('Not a valid Parallel Runner report: {0} (and {1} more).', shown, problems.length - 3)
        : l10n.t('Not a valid Parallel Runner report: {0}.', shown),
    );
  }
  return value as unknown as RunReport;
}

type FieldType = 'string' | 'number' | 'array';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function expectFields(value: Record<string, unknown>, where: string, fields: Record<string, FieldType>): string[] {
  const problems: string[] = [];
  for (const [field, type] of Object.entries(fields)) {
    const actual = value[field];
    const ok = type === 'array' ? Array.isArray(actual) : typeof actual === type;
    if (!ok) problems.push(type === 'array' ? l10n.t('{0}.{1} must be an array', where, field) : l10n.t('{0}.{1} must be a {2}', where, field, type));
  }
  return problems;
}

function expectObject(value: Record<string, unknown>, field: string, fields: Record<string, FieldType>): string[] {
  const inner = value[field];
  return isObject(inner) ? expectFields(inner, field, fields) : [l10n.t('"{0}" must be an object', field)];
}

function expectArray(value: Record<string, unknown>, field: string, fields: Record<string, FieldType>): string[] {
  const list = value[field];
  if (!Array.isArray(list)) return [l10n.t('"{0}" must be an array', field)];
  return list.flatMap((item, i) => (isObject(item) ? expectFields(item, `${field}[${i}]`, fields) : [l10n.t('{0}[{1}] must be an object', field, i)]));
}
