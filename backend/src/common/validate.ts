import { z } from 'zod';
import { zhCN } from 'zod/v4/locales';
import type { FieldProblem } from '@lfxj/contracts';

type Def = z.core.$ZodTypeDef & { innerType?: z.ZodType; shape?: Record<string, z.ZodType>; element?: z.ZodType; in?: z.ZodType };

/** The sub-schema at a path, to find the Chinese label of a field. */
function schemaAt(schema: z.ZodType | undefined, path: PropertyKey[]): z.ZodType | undefined {
  let current = schema;
  for (const key of path) {
    current = unwrap(current);
    const def = current?._zod.def as Def | undefined;
    if (!def) return undefined;
    if (def.type === 'object') current = def.shape?.[String(key)];
    else if (def.type === 'array') current = def.element;
    else return undefined;
  }
  return current;
}

/** One wrapper (optional, default, pipe …) off; the schema itself when there is none. */
function unwrapOnce(schema: z.ZodType): z.ZodType {
  const def = schema._zod.def as Def;
  if (def.innerType && ['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch'].includes(def.type)) return def.innerType;
  if (def.type === 'pipe' && def.in) return def.in;
  return schema;
}

function unwrap(schema: z.ZodType | undefined): z.ZodType | undefined {
  let current = schema;
  for (let i = 0; i < 5 && current; i++) {
    const next = unwrapOnce(current);
    if (next === current) break;
    current = next;
  }
  return current;
}

function labelOf(root: z.ZodType, path: PropertyKey[]): string | undefined {
  for (let s: z.ZodType | undefined = schemaAt(root, path); s; ) {
    if (s.description) return s.description;
    // Step by step: a label can sit on any wrapper (e.g. on the pipe of a whole number, under optional).
    const next = unwrapOnce(s);
    if (next === s) break;
    s = next;
  }
  // An array item: fall back to the array's label.
  return path.length > 1 && typeof path[path.length - 1] === 'number' ? labelOf(root, path.slice(0, -1)) : undefined;
}

const TYPE_NAMES: Record<string, string> = {
  string: '文本', number: '数字', int: '整数', boolean: '布尔值', array: '数组', object: '对象', date: '日期',
};
/** zod's own Chinese messages, for the rare issue kinds mapped below only generically. */
const zodChinese = zhCN().localeError;
// Any other zod parse in the process (not through parseCollecting) also speaks Chinese.
z.config(zhCN());

/** Chinese for a zod issue; the field's label is put in front by the caller. */
function problem(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      // Raw issues carry the input: a missing field and a field of the wrong type read differently.
      return issue.input === undefined ? '为必填项' : `类型不正确，应为${TYPE_NAMES[issue.expected] ?? '其他类型'}`;
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? '不能为空' : `长度不能少于 ${issue.minimum} 个字符`;
      if (issue.origin === 'array') return `至少需要 ${issue.minimum} 项`;
      return `不能小于 ${issue.minimum}`;
    case 'too_big':
      if (issue.origin === 'string') return `长度不能超过 ${issue.maximum} 个字符`;
      if (issue.origin === 'array') return `最多 ${issue.maximum} 项`;
      return `不能大于 ${issue.maximum}`;
    case 'invalid_value':
      return `取值无效，可选值：${issue.values.map(String).join('、')}`;
    case 'invalid_format':
      return '格式不正确';
    case 'unrecognized_keys':
      return '是不允许的字段';
    case 'invalid_union':
    case 'custom':
      return '取值无效';
    default: {
      const text = zodChinese(issue);
      const message = typeof text === 'string' ? text : text?.message;
      return message && /[\u4e00-\u9fff]/.test(message) ? message : '取值无效';
    }
  }
}

/**
 * The per-parse error map: it ranks below a message the schema itself gives (those are written
 * in Chinese in the contract) and above zod's English defaults, so no English reaches a user.
 */
const chinese: z.core.$ZodErrorMap = (issue) => problem(issue);

/** Parse without throwing, so that problems in params, query and body can be reported together. */
export function parseCollecting<T extends z.ZodType>(schema: T, value: unknown, where: string):
  { ok: true; data: z.output<T> } | { ok: false; problems: FieldProblem[] } {
  const result = schema.safeParse(value, { error: chinese });
  if (result.success) return { ok: true, data: result.data };
  const fields: FieldProblem[] = [];
  for (const issue of result.error.issues) {
    const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    for (const path of paths) {
      const field = path.length ? path.map(String).join('.') : where;
      const label = issue.code === 'unrecognized_keys' ? '' : labelOf(schema, path) ?? '';
      fields.push({ field, message: `${label ? `${label}（${field}）` : `字段 ${field} `}${issue.message}` });
    }
  }
  return { ok: false, problems: fields };
}
