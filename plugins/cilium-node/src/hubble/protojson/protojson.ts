import * as protobuf from 'protobufjs';

/**
 * Generic protojson conversion over protobufjs reflection, following Go's
 * `protojson` with `UseProtoNames: true` — the format `hubble observe -o json`
 * prints: proto field names as keys, enum names, 64-bit integers as strings,
 * Timestamps as RFC 3339, wrapper types as plain values, default values omitted.
 */

/** A JSON value as produced by protojson. @public */
export type ProtoJson =
  | string
  | number
  | boolean
  | null
  | ProtoJson[]
  | { [key: string]: ProtoJson };

type JsonObject = { [key: string]: ProtoJson };

const LONG_TYPES = new Set([
  'int64',
  'uint64',
  'sint64',
  'fixed64',
  'sfixed64',
]);
const WRAPPERS: Record<string, string> = {
  '.google.protobuf.DoubleValue': 'double',
  '.google.protobuf.FloatValue': 'float',
  '.google.protobuf.Int64Value': 'int64',
  '.google.protobuf.UInt64Value': 'uint64',
  '.google.protobuf.Int32Value': 'int32',
  '.google.protobuf.UInt32Value': 'uint32',
  '.google.protobuf.BoolValue': 'bool',
  '.google.protobuf.StringValue': 'string',
  '.google.protobuf.BytesValue': 'bytes',
};

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** Formats seconds+nanos like Go protojson: 0, 3, 6 or 9 fraction digits, `Z`. @public */
export function formatTimestamp(seconds: number, nanos: number): string {
  const d = new Date(seconds * 1000);
  const year = d.getUTCFullYear();
  const base = `${pad(year, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(
    d.getUTCDate(),
    2,
  )}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(
    d.getUTCSeconds(),
    2,
  )}`;
  if (!nanos) {
    return `${base}Z`;
  }
  let frac: string;
  if (nanos % 1e6 === 0) {
    frac = pad(nanos / 1e6, 3);
  } else if (nanos % 1e3 === 0) {
    frac = pad(nanos / 1e3, 6);
  } else {
    frac = pad(nanos, 9);
  }
  return `${base}.${frac}Z`;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 timestamp into seconds+nanos (nanosecond precision kept). @public */
export function parseTimestamp(text: string): {
  seconds: number;
  nanos: number;
} {
  const m = RFC3339.exec(text);
  if (!m) {
    throw new Error(`Invalid RFC 3339 timestamp: ${text}`);
  }
  let seconds = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) / 1000;
  if (m[8] !== 'Z' && m[8] !== 'z') {
    const sign = m[8][0] === '-' ? -1 : 1;
    const [hh, mm] = m[8].slice(1).split(':').map(Number);
    seconds -= sign * (hh * 3600 + mm * 60);
  }
  const nanos = m[7] ? Number(m[7].padEnd(9, '0')) : 0;
  return { seconds, nanos };
}

function longToString(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'string') {
    return String(value);
  }
  return (value as protobuf.Long).toString();
}

function longToNumber(value: unknown): number {
  if (typeof value === 'number') {
    return value;
  }
  if (typeof value === 'string') {
    return Number(value);
  }
  return Number((value as protobuf.Long).toString());
}

function isZeroLong(value: unknown): boolean {
  if (typeof value === 'number') return value === 0;
  if (typeof value === 'string') return value === '0' || value === '';
  const l = value as protobuf.Long;
  return l.low === 0 && l.high === 0;
}

function scalarToJson(type: string, value: unknown): ProtoJson {
  if (LONG_TYPES.has(type)) {
    return longToString(value);
  }
  if (type === 'bytes') {
    return Buffer.from(value as Uint8Array).toString('base64');
  }
  if (type === 'double' || type === 'float') {
    const n = value as number;
    if (Number.isNaN(n)) return 'NaN';
    if (n === Infinity) return 'Infinity';
    if (n === -Infinity) return '-Infinity';
    return n;
  }
  return value as ProtoJson;
}

function isDefaultScalar(type: string, value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (LONG_TYPES.has(type)) return isZeroLong(value);
  if (type === 'bytes') return (value as Uint8Array).length === 0;
  if (type === 'string') return value === '';
  if (type === 'bool') return value === false;
  return value === 0;
}

function lowerCamel(name: string): string {
  return name.replace(/_([a-z0-9])/gi, (_m, c: string) => c.toUpperCase());
}

function valueToJson(field: protobuf.Field, value: unknown): ProtoJson {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Enum) {
    const name = rt.valuesById[value as number];
    return name ?? (value as number);
  }
  if (rt instanceof protobuf.Type) {
    return messageToProtoJson(rt, value as protobuf.Message);
  }
  return scalarToJson(field.type, value);
}

/**
 * Converts a decoded protobufjs message into protojson (proto names).
 * @public
 */
export function messageToProtoJson(
  type: protobuf.Type,
  message: protobuf.Message | Record<string, unknown>,
): ProtoJson {
  const msg = message as unknown as Record<string, unknown>;
  const full = type.fullName;
  if (full === '.google.protobuf.Timestamp') {
    return formatTimestamp(
      longToNumber(msg.seconds ?? 0),
      (msg.nanos as number) ?? 0,
    );
  }
  const wrapped = WRAPPERS[full];
  if (wrapped) {
    const v = msg.value ?? (wrapped === 'bool' ? false : 0);
    return scalarToJson(wrapped, wrapped === 'string' ? v || '' : v);
  }
  if (full === '.google.protobuf.FieldMask') {
    return ((msg.paths as string[]) ?? []).map(lowerCamel).join(',');
  }
  if (full === '.google.protobuf.Any') {
    const out: JsonObject = { '@type': (msg.type_url as string) ?? '' };
    const value = msg.value as Uint8Array | undefined;
    if (value && value.length) {
      out.value = Buffer.from(value).toString('base64');
    }
    return out;
  }
  const out: JsonObject = {};
  for (const field of type.fieldsArray) {
    const value = msg[field.name];
    if (value === undefined || value === null) continue;
    if (!Object.prototype.hasOwnProperty.call(msg, field.name)) continue;
    if (field.repeated) {
      const arr = value as unknown[];
      if (!arr.length) continue;
      out[field.name] = arr.map(v => valueToJson(field, v));
      continue;
    }
    const rt = field.resolvedType;
    if (rt instanceof protobuf.Type) {
      out[field.name] = valueToJson(field, value);
      continue;
    }
    // Proto3 implicit presence: defaults are omitted, unless the field is a
    // oneof member (then it is present because it was set).
    if (!field.partOf && rt instanceof protobuf.Enum && value === 0) continue;
    if (!field.partOf && !rt && isDefaultScalar(field.type, value)) continue;
    out[field.name] = valueToJson(field, value);
  }
  return out;
}

function scalarFromJson(
  type: string,
  value: ProtoJson,
  where: string,
): unknown {
  if (LONG_TYPES.has(type)) {
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new Error(`${where}: expected a 64-bit integer`);
    }
    return String(value);
  }
  if (type === 'bytes') {
    return Buffer.from(String(value), 'base64');
  }
  if (type === 'double' || type === 'float') {
    if (value === 'NaN') return NaN;
    if (value === 'Infinity') return Infinity;
    if (value === '-Infinity') return -Infinity;
    return Number(value);
  }
  if (type === 'bool') {
    if (typeof value !== 'boolean')
      throw new Error(`${where}: expected boolean`);
    return value;
  }
  if (type === 'string') {
    if (typeof value !== 'string') throw new Error(`${where}: expected string`);
    return value;
  }
  if (typeof value !== 'number' && typeof value !== 'string') {
    throw new Error(`${where}: expected number`);
  }
  return Number(value);
}

const fieldIndexCache = new WeakMap<
  protobuf.Type,
  Map<string, protobuf.Field>
>();

function fieldIndex(type: protobuf.Type): Map<string, protobuf.Field> {
  let idx = fieldIndexCache.get(type);
  if (!idx) {
    idx = new Map();
    for (const f of type.fieldsArray) {
      idx.set(f.name, f);
      idx.set(lowerCamel(f.name), f);
    }
    fieldIndexCache.set(type, idx);
  }
  return idx;
}

function valueFromJson(
  field: protobuf.Field,
  value: ProtoJson,
  where: string,
): unknown {
  const rt = field.resolvedType;
  if (rt instanceof protobuf.Enum) {
    if (typeof value === 'number') return value;
    const n = rt.values[value as string];
    if (n === undefined) {
      throw new Error(`${where}: unknown ${rt.name} value ${String(value)}`);
    }
    return n;
  }
  if (rt instanceof protobuf.Type) {
    return protoJsonToObject(rt, value, where);
  }
  return scalarFromJson(field.type, value, where);
}

/**
 * Converts protojson (proto or lowerCamel JSON names) into a plain object that
 * protobufjs `Type.fromObject` accepts. Throws on unknown fields or bad values.
 * @public
 */
export function protoJsonToObject(
  type: protobuf.Type,
  json: ProtoJson,
  where = type.name,
): Record<string, unknown> | unknown {
  const full = type.fullName;
  if (full === '.google.protobuf.Timestamp') {
    return parseTimestamp(String(json));
  }
  const wrapped = WRAPPERS[full];
  if (wrapped) {
    return { value: scalarFromJson(wrapped, json, where) };
  }
  if (full === '.google.protobuf.FieldMask') {
    const text = String(json);
    return {
      paths: text
        ? text
            .split(',')
            .map(p => p.replace(/[A-Z]/g, c => `_${c.toLowerCase()}`))
        : [],
    };
  }
  if (full === '.google.protobuf.Any') {
    const o = json as JsonObject;
    return {
      type_url: o['@type'] ?? '',
      value: o.value ? Buffer.from(String(o.value), 'base64') : Buffer.alloc(0),
    };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new Error(`${where}: expected an object`);
  }
  const idx = fieldIndex(type);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const field = idx.get(key);
    if (!field) {
      throw new Error(`${where}: unknown field ${key}`);
    }
    if (value === null) continue;
    const at = `${where}.${key}`;
    if (field.repeated) {
      if (!Array.isArray(value)) throw new Error(`${at}: expected an array`);
      out[field.name] = value.map((v, i) =>
        valueFromJson(field, v, `${at}[${i}]`),
      );
    } else {
      out[field.name] = valueFromJson(field, value, at);
    }
  }
  return out;
}

/** Encodes protojson as protobuf bytes of the given type. @public */
export function encodeProtoJson(
  type: protobuf.Type,
  json: ProtoJson,
): Uint8Array {
  const obj = protoJsonToObject(type, json) as Record<string, unknown>;
  return type.encode(type.fromObject(obj)).finish();
}

/** Decodes protobuf bytes of the given type into protojson. @public */
export function decodeToProtoJson(
  type: protobuf.Type,
  bytes: Uint8Array,
): ProtoJson {
  return messageToProtoJson(type, type.decode(bytes));
}
