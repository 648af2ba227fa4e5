import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { createTestApp, type TestApp } from '../test/harness';

/*
 * The hand-written statements (the read models' SELECTs, the claims and counters' UPDATEs) name
 * tables and columns by hand. This reads every string of the server's production code, finds the
 * back-quoted identifiers in it, and checks each against the ORM's metadata: a qualified one
 * (`bill`.`amount_fen`, or through an alias declared in the same file) must be a column of that
 * table; an unqualified one must be a table, a column, or an alias the file declares. So a renamed
 * or misspelt column fails here, not on the one request that runs the statement.
 */

const SRC = path.join(__dirname);
/** Migrations name the columns of their time, and tests may name anything. */
const skipped = (file: string) => file.includes(`${path.sep}migrations${path.sep}`) || file.endsWith('.test.ts') || file.endsWith('.test-support.ts');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') && !skipped(full) ? [full] : [];
  });
}

/** The text of every string literal and template part of a file, as the program sees it. */
function stringsOf(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) out.push(node.text);
    else if (ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) out.push(node.text);
    node.forEachChild(visit);
  };
  visit(source);
  return out;
}

const IDENT = /`([A-Za-z_][A-Za-z0-9_]*)`/g;
const HAS_IDENT = /`[A-Za-z_][A-Za-z0-9_]*`/;
/** A piece of a statement, not a sentence that quotes a word: a qualified name, a keyword or a placeholder. */
const SQLISH = /`\.`|\b(select|from|where|join|update|insert|delete|exists|coalesce|order by|group by|set|values|case when|count|sum|min|max)\b|\?/i;
const BUILDER_ALIAS = /createQueryBuilder\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,\s*'([A-Za-z_][A-Za-z0-9_]*)'/g;
const QUALIFIED = /`([A-Za-z_][A-Za-z0-9_]*)`\.`([A-Za-z_][A-Za-z0-9_]*)`/g;
/** `table` `alias`, `table` as `alias` (a table's alias), and `anything` as `name` (an output name). */
const TABLE_ALIAS = /`([A-Za-z_][A-Za-z0-9_]*)`\s+(?:as\s+)?`([A-Za-z_][A-Za-z0-9_]*)`/gi;
const OUTPUT_NAME = /\bas\s+`([A-Za-z_][A-Za-z0-9_]*)`/gi;
/** A derived table's alias: `) as `x`` or `) `x``. */
const DERIVED = /\)\s+(?:as\s+)?`([A-Za-z_][A-Za-z0-9_]*)`/gi;

let t: TestApp;
let columns: Map<string, Set<string>>;
/** Entity class name → table. */
let tables: Map<string, string>;

beforeAll(async () => {
  t = await createTestApp({ seed: false });
  columns = new Map();
  tables = new Map();
  for (const meta of Object.values(t.orm.getMetadata().getAll())) {
    if (!meta.tableName || meta.embeddable || meta.virtual) continue;
    tables.set(meta.className, meta.tableName);
    const set = columns.get(meta.tableName) ?? new Set<string>();
    for (const prop of Object.values(meta.properties)) for (const f of prop.fieldNames ?? []) set.add(f);
    columns.set(meta.tableName, set);
  }
});
afterAll(() => t.close());

/**
 * What is wrong with the identifiers of one file's statement strings, and how many were checked.
 * `builderAliases` are the query builders' aliases (`createQueryBuilder(PaymentOrder, 'o')`).
 */
function problemsIn(strings: string[], where: string, builderAliases = new Map<string, string>()): { problems: string[]; checked: number } {
  const allColumns = new Set([...columns.values()].flatMap((c) => [...c]));
  const text = strings.filter((s) => HAS_IDENT.test(s) && SQLISH.test(s)).join(' ');
  const aliases = new Map<string, string>(builderAliases);
  const names = new Set<string>();
  const derived = new Set<string>();
  for (const [, table, alias] of text.matchAll(TABLE_ALIAS)) if (columns.has(table) && !columns.has(alias)) aliases.set(alias, table);
  for (const [, name] of text.matchAll(OUTPUT_NAME)) names.add(name);
  for (const [, name] of text.matchAll(DERIVED)) derived.add(name);
  const problems: string[] = [];
  let checked = 0;
  for (const [, qualifier, column] of text.matchAll(QUALIFIED)) {
    checked++;
    const table = columns.has(qualifier) ? qualifier : aliases.get(qualifier);
    if (!table && (derived.has(qualifier) || names.has(qualifier))) continue;
    if (!table) problems.push(`${where}: \`${qualifier}\`.\`${column}\`: \`${qualifier}\` is no table nor an alias of one`);
    else if (!columns.get(table)!.has(column)) problems.push(`${where}: \`${qualifier}\`.\`${column}\`: ${table} has no column ${column}`);
  }
  for (const [, name] of text.matchAll(IDENT)) {
    checked++;
    if (!columns.has(name) && !allColumns.has(name) && !aliases.has(name) && !names.has(name) && !derived.has(name)) problems.push(`${where}: \`${name}\` is no table, column or alias`);
  }
  return { problems, checked };
}

test('every table and column named in a hand-written statement is one the ORM maps', () => {
  const problems: string[] = [];
  let checked = 0;
  for (const file of sourceFiles(SRC)) {
    const builderAliases = new Map<string, string>();
    for (const [, entity, alias] of readFileSync(file, 'utf8').matchAll(BUILDER_ALIAS)) if (tables.has(entity)) builderAliases.set(alias, tables.get(entity)!);
    const r = problemsIn(stringsOf(file), path.relative(SRC, file), builderAliases);
    problems.push(...r.problems);
    checked += r.checked;
  }
  expect(problems).toEqual([]);
  // The scan found the statements at all.
  expect(checked).toBeGreaterThan(300);
});

test('the check catches a misspelt column, an unknown table and an alias of nothing', () => {
  const ok = problemsIn(['select `b`.`amount_fen`, `bill_line`.`name` from `bill` `b` join `bill_line` on `bill_line`.`bill_id` = `b`.`id`'], 'ok');
  expect(ok).toEqual({ problems: [], checked: 15 });
  const bad = problemsIn(['select `b`.`amount_fn` from `bill` as `b` join `bils` on `x`.`id` = `b`.`id`'], 'bad').problems;
  expect(bad).toEqual([
    'bad: `b`.`amount_fn`: bill has no column amount_fn',
    'bad: `x`.`id`: `x` is no table nor an alias of one',
    'bad: `amount_fn` is no table, column or alias',
    'bad: `bils` is no table, column or alias',
    'bad: `x` is no table, column or alias',
  ]);
});
