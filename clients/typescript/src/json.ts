// weir's JSON, both ways, without losing integers. The gateway keeps all 64
// bits of an integer on the wire; JSON.parse would round any beyond 2^53
// (9007199254740993 becomes ...992). So integers outside
// Number.MIN_SAFE_INTEGER..MAX_SAFE_INTEGER become bigint, every other one
// stays a number, and bigint parameters are written as exact integer literals.

/** A value in a result or a parameter. Bytes travel as {"$base64": ...}. */
export type Value =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Value[]
  | { [member: string]: Value };

// An integer literal beyond 2^53 has at least 16 digits, and a number starts
// the text or follows "[", "," or ":". Text without such a run (the usual
// case) takes the fast native parser; a string that merely looks like one
// (",1234567890123456" in a text value) only takes the exact parser.
const longNumber = /(?:^|[[,:])\s*-?\d{16}/;

export function parseJson(text: string): unknown {
  return longNumber.test(text) ? new ExactParser(text).document() : JSON.parse(text);
}

const numberLiteral = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const whitespace = /[ \t\n\r]*/y;

class ExactParser {
  private at = 0;

  constructor(private readonly text: string) {}

  document(): unknown {
    const value = this.value();
    this.skipWhitespace();
    if (this.at !== this.text.length) this.fail("text after the JSON value");
    return value;
  }

  private value(): unknown {
    this.skipWhitespace();
    const c = this.text[this.at];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    for (const [word, value] of [["true", true], ["false", false], ["null", null]] as const) {
      if (this.text.startsWith(word, this.at)) {
        this.at += word.length;
        return value;
      }
    }
    return this.number();
  }

  private object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.at++;  // {
    if (this.consume("}")) return out;
    do {
      this.skipWhitespace();
      if (this.text[this.at] !== '"') this.fail("a member name");
      const key = this.string();
      if (!this.consume(":")) this.fail('":"');
      // defineProperty: a member named "__proto__" is data, as with JSON.parse.
      Object.defineProperty(out, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
    } while (this.consume(","));
    if (!this.consume("}")) this.fail('"," or "}"');
    return out;
  }

  private array(): unknown[] {
    const out: unknown[] = [];
    this.at++;  // [
    if (this.consume("]")) return out;
    do out.push(this.value());
    while (this.consume(","));
    if (!this.consume("]")) this.fail('"," or "]"');
    return out;
  }

  private string(): string {
    const start = this.at;
    let i = start + 1;
    while (i < this.text.length && this.text[i] !== '"') i += this.text[i] === "\\" ? 2 : 1;
    this.at = i + 1;
    return JSON.parse(this.text.slice(start, this.at)) as string;  // unescaping, done natively
  }

  private number(): number | bigint {
    numberLiteral.lastIndex = this.at;
    const match = numberLiteral.exec(this.text);
    if (match === null) this.fail("a JSON value");
    this.at = numberLiteral.lastIndex;
    const literal = match[0];
    const n = Number(literal);
    const isInteger = match[1] === undefined && match[2] === undefined;
    return isInteger && !Number.isSafeInteger(n) ? BigInt(literal) : n;
  }

  private consume(c: string): boolean {
    this.skipWhitespace();
    if (this.text[this.at] !== c) return false;
    this.at++;
    return true;
  }

  private skipWhitespace(): void {
    whitespace.lastIndex = this.at;
    whitespace.exec(this.text);
    this.at = whitespace.lastIndex;
  }

  private fail(expected: string): never {
    throw new SyntaxError(`invalid JSON at offset ${this.at}: expected ${expected}`);
  }
}

/** Parameters as weir's JSON: bigint exact, bytes as {"$base64": ...}, dates as ISO-8601 text. */
export function stringifyJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "boolean":
      return String(value);
    case "bigint":
      return value.toString();
    case "string":
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`${value} has no JSON form; weir cannot receive it`);
      return JSON.stringify(value);
  }
  if (value instanceof Uint8Array) return `{"$base64":${JSON.stringify(toBase64(value))}}`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(stringifyJson).join(",")}]`;
  if (typeof value === "object" && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    const members = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}:${stringifyJson(v)}`);
    return `{${members.join(",")}}`;
  }
  throw new TypeError(`cannot send a value of type ${Object.prototype.toString.call(value)}`);
}

/** A result value with {"$base64": ...} turned into bytes, at any depth. */
export function decodeValue(value: unknown): Value {
  if (Array.isArray(value)) return value.map(decodeValue);
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value);
    const encoded = (value as Record<string, unknown>)["$base64"];
    if (keys.length === 1 && typeof encoded === "string") return fromBase64(encoded);
  }
  return value as Value;
}

function toBase64(bytes: Uint8Array): string {
  let binary = "";
  const chunk = 0x8000;  // String.fromCharCode takes its bytes as arguments: keep the count bounded
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
