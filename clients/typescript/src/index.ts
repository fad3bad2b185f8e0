// @weir/client: the weir database gateway from TypeScript and JavaScript (Node >= 18, fetch).
export { Client, Transaction, connect } from "./client.js";
export { RowStream } from "./stream.js";
export type {
  BatchOptions,
  BatchOutcome,
  BatchStatement,
  CallOptions,
  ClientOptions,
  Param,
  Params,
  QueryResult,
  RetryOptions,
  Statement,
  TransactionOptions,
} from "./client.js";
export {
  ConnectionError,
  ConstraintError,
  DeadlineError,
  NotSupportedError,
  PermissionError,
  QueryError,
  TransactionEndedError,
  UnavailableError,
  WeirError,
} from "./errors.js";
export type { ErrorBody, WeirErrorInit } from "./errors.js";
export { parseJson, stringifyJson } from "./json.js";
export type { Value } from "./json.js";
