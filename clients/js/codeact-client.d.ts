// Generated from spec/codeact.schema.json by ContractSchemaTest: do not edit by hand
// (mvn test -Dtest=ContractSchemaTest -Dspec.write=true writes it again).

export type ClientEvent =
  | ClientEventUserMessage
  | ClientEventToolResult
  | ClientEventCancel
  | ClientEventResume
  | ClientEventPing;

export interface ClientEventCancel {
  type: 'cancel';
}

export interface ClientEventPing {
  type: 'ping';
  id?: string;
}

export interface ClientEventResume {
  type: 'resume';
  last_seq: number;
}

export interface ClientEventToolResult {
  type: 'tool_result';
  call_id: string;
  error?: string;
  value?: unknown;
}

export interface ClientEventUserMessage {
  type: 'user_message';
  options?: Sampling;
  replace_last?: boolean;
  text: string;
  tools?: ToolSpec[];
}

export interface Display {
  data: Partial<Record<'image/jpeg' | 'image/png' | 'image/svg+xml' | 'text/html' | 'text/latex' | 'text/markdown' | 'text/plain', string>>;
  kind: 'display' | 'value';
}

export interface ExecuteRequest {
  code: string;
  timeout_ms?: number;
}

export interface ExecutionOutput {
  stream: string;
  text: string;
}

export interface ExecutionResult {
  cancelled: boolean;
  displays: Display[];
  duration_ms: number;
  error?: ExecutionResultErrorInfo;
  files?: FileInfo[];
  notice?: string;
  output: string;
  restarted: boolean;
  sandbox?: string;
  timed_out: boolean;
  truncated: boolean;
  value?: string;
  warning?: string;
}

export interface ExecutionResultErrorInfo {
  name?: string;
  traceback?: string;
  value?: string;
}

export interface FileInfo {
  modified: number;
  name: string;
  size: number;
}

export interface GatewayInfo {
  max_actions: number;
  max_temperature: number;
  mcp_servers?: McpServerState[];
  model?: string;
  model_configured: boolean;
  models?: string[];
  protocol: number;
  temperature: number;
  websocket?: string;
}

export interface McpServerState {
  name?: string;
  state?: string;
}

export interface Problem {
  code: string;
  detail?: string;
  instance?: string;
  status: number;
  title: string;
  type: string;
}

export interface Sampling {
  max_tokens?: number;
  model?: string;
  temperature?: number;
  top_p?: number;
}

export type ServerEvent =
  | ServerEventSessionInfo
  | ServerEventTurnStart
  | ServerEventToken
  | ServerEventAction
  | ServerEventObservationChunk
  | ServerEventActionRestarted
  | ServerEventObservation
  | ServerEventTurnEnd
  | ServerEventError
  | ServerEventEventsLost
  | ServerEventFiles
  | ServerEventToolCall
  | ServerEventToolResult
  | ServerEventPong;

export interface ServerEventAction {
  type: 'action';
  session: string | null;
  seq: number;
  action_id: string;
  code: string;
  index: number;
  turn: number;
}

export interface ServerEventActionRestarted {
  type: 'action_restarted';
  session: string | null;
  seq: number;
  action_id: string;
  attempt: number;
  reason: string;
  turn?: number;
}

export interface ServerEventError {
  type: 'error';
  session: string | null;
  seq: number;
  code: 'bad_json' | 'unknown_type' | 'invalid_event' | 'frame_too_large' | 'turn_in_progress' | 'no_turn' | 'session_not_found' | 'session_elsewhere' | 'session_moved' | 'turn_interrupted' | 'unauthorized' | 'forbidden_origin' | 'forbidden' | 'rate_limited' | 'too_many_sessions' | 'too_many_turns' | 'too_many_connections' | 'session_full' | 'slow_consumer' | 'no_model' | 'overloaded' | 'upstream_unavailable' | 'upstream_auth' | 'upstream_rate_limited' | 'upstream_timeout' | 'upstream_protocol' | 'execution_failed' | 'file_not_found' | 'file_too_large' | 'file_changed' | 'reply_too_long' | 'tool_error' | 'tool_timeout' | 'tool_unavailable' | 'tool_limit' | 'tool_too_large' | 'unknown_tool' | 'tool_forbidden' | 'unknown_tool_call' | 'storage';
  message: string;
  retry_after?: number;
  turn?: number;
}

export interface ServerEventEventsLost {
  type: 'events_lost';
  session: string | null;
  seq: number;
  from: number;
  to: number;
}

export interface ServerEventFiles {
  type: 'files';
  session: string | null;
  seq: number;
  files: FileInfo[];
}

export interface ServerEventObservation {
  type: 'observation';
  session: string | null;
  seq: number;
  action_id: string;
  result: ExecutionResult;
  text: string;
  turn: number;
}

export interface ServerEventObservationChunk {
  type: 'observation_chunk';
  session: string | null;
  seq: number;
  action_id: string;
  stream: string;
  text: string;
  turn: number;
}

export interface ServerEventPong {
  type: 'pong';
  session: string | null;
  seq: number;
  id?: string;
}

export interface ServerEventSessionInfo {
  type: 'session';
  session: string | null;
  seq: number;
  max_actions: number;
  model?: string;
  model_configured: boolean;
  principal: string;
  protocol: number;
}

export interface ServerEventToken {
  type: 'token';
  session: string | null;
  seq: number;
  text: string;
  turn: number;
}

export interface ServerEventToolCall {
  type: 'tool_call';
  session: string | null;
  seq: number;
  action_id: string;
  arguments?: unknown;
  call_id: string;
  source: string;
  tool: string;
  turn?: number;
}

export interface ServerEventToolResult {
  type: 'tool_result';
  session: string | null;
  seq: number;
  action_id: string;
  call_id: string;
  duration_ms: number;
  error?: ToolFailure;
  tool: string;
  turn?: number;
  value?: unknown;
}

export interface ServerEventTurnEnd {
  type: 'turn_end';
  session: string | null;
  seq: number;
  actions: number;
  duration_ms: number;
  reason: 'answer' | 'max_actions' | 'cancelled' | 'error';
  turn: number;
  usage?: Usage;
}

export interface ServerEventTurnStart {
  type: 'turn_start';
  session: string | null;
  seq: number;
  replaces?: number;
  text: string;
  turn: number;
  uploads?: string[];
}

export interface SessionSummary {
  created_at: number;
  id: string;
  last_activity: number;
  title?: string;
  turns: number;
}

export interface ToolAnswer {
  error?: string;
  value?: unknown;
}

export interface ToolFailure {
  code: 'bad_json' | 'unknown_type' | 'invalid_event' | 'frame_too_large' | 'turn_in_progress' | 'no_turn' | 'session_not_found' | 'session_elsewhere' | 'session_moved' | 'turn_interrupted' | 'unauthorized' | 'forbidden_origin' | 'forbidden' | 'rate_limited' | 'too_many_sessions' | 'too_many_turns' | 'too_many_connections' | 'session_full' | 'slow_consumer' | 'no_model' | 'overloaded' | 'upstream_unavailable' | 'upstream_auth' | 'upstream_rate_limited' | 'upstream_timeout' | 'upstream_protocol' | 'execution_failed' | 'file_not_found' | 'file_too_large' | 'file_changed' | 'reply_too_long' | 'tool_error' | 'tool_timeout' | 'tool_unavailable' | 'tool_limit' | 'tool_too_large' | 'unknown_tool' | 'tool_forbidden' | 'unknown_tool_call' | 'storage';
  message: string;
}

export interface ToolInfo {
  doc?: string;
  name?: string;
  signature?: string;
  source?: string;
}

export interface ToolSpec {
  description?: string;
  name: string;
  parameters?: unknown;
}

export interface Usage {
  completion_tokens: number;
  prompt_tokens: number;
}

/** Options of a {@link CodeActClient}. */
export interface ClientOptions {
  /** ws(s)://host[:port] of the gateway (default: this page's host). */
  url?: string;
  /** An existing session to attach to. */
  sessionId?: string;
  /** The last seq already seen of that session (0: replay all). */
  lastSeq?: number;
  /** Reconnect after a dropped connection (default true). */
  reconnect?: boolean;
  /** Longest wait between reconnect attempts (default 5000). */
  maxBackoffMs?: number;
  /** A WebSocket implementation (default: the global one). */
  WebSocket?: typeof WebSocket;
  /** An API key, sent as ?access_token= (browsers cannot set WebSocket headers). */
  token?: string;
}

/** A connection change: `open`, `reconnecting` or `closed`. */
export interface StatusEvent { type: 'status'; state: 'open' | 'reconnecting' | 'closed'; }

type EventOf<T extends ServerEvent['type']> = Extract<ServerEvent, { type: T }>;

/** Splits a reply being streamed into its prose and the code of its `<execute>` action (null before it starts). */
export declare function splitReply(raw: string): { prose: string; code: string | null };

/** A refusal of the gateway: the protocol's error code, and the HTTP status when it came over HTTP. */
export declare class CodeActError extends Error {
  constructor(code: string, message: string, extra?: { status?: number; retryAfter?: number });
  code: string;
  status?: number;
  retryAfter?: number;
  /** As the WebSocket's `error` event carries it. */
  event: { type: 'error'; code: string; message: string; retry_after?: number };
}

/** Options of a {@link CodeActApi}. */
export interface ApiOptions {
  /** http(s)://host[:port] of the gateway (default: this page's origin). */
  url?: string;
  /** An API key or JWT, sent as Authorization: Bearer. */
  token?: string;
  /** A fetch implementation (default: the global one). */
  fetch?: typeof fetch;
}

/** An event of a streamed execution: its output while it runs, a restart, then its result. */
export type ExecutionEvent =
  | ({ event: 'output' } & ExecutionOutput)
  | ({ event: 'restarted' } & Omit<ServerEventActionRestarted, 'type' | 'session' | 'seq'>)
  | ({ event: 'result' } & ExecutionResult);

/** The gateway's HTTP API; refusals are thrown as {@link CodeActError}. */
export declare class CodeActApi {
  constructor(options?: ApiOptions);
  info(): Promise<GatewayInfo>;
  createSession(): Promise<SessionSummary>;
  sessions(limit?: number): Promise<SessionSummary[]>;
  session(id: string): Promise<SessionSummary>;
  rename(id: string, title: string): Promise<SessionSummary>;
  deleteSession(id: string, options?: { keepalive?: boolean }): Promise<void>;
  events(id: string, options?: { after?: number; limit?: number }): Promise<ServerEvent[]>;
  follow(id: string, options?: { after?: number; signal?: AbortSignal }): AsyncGenerator<ServerEvent, void>;
  execute(id: string, code: string, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<ExecutionResult>;
  executeStream(id: string, code: string, options?: { timeoutMs?: number; signal?: AbortSignal }): AsyncGenerator<ExecutionEvent, void>;
  answerTool(id: string, callId: string, answer: ToolAnswer): Promise<void>;
  tools(): Promise<ToolInfo[]>;
  files(id: string): Promise<FileInfo[]>;
  upload(id: string, name: string, body: Blob | ArrayBuffer | ArrayBufferView | string): Promise<FileInfo[]>;
  download(id: string, name: string): Promise<Blob>;
  deleteFile(id: string, name: string): Promise<void>;
  notebook(id: string): Promise<Record<string, unknown>>;
  markdown(id: string): Promise<string>;
}

/** One session of a CodeAct gateway over its WebSocket, with reconnect and exact resume. */
export declare class CodeActClient {
  constructor(options?: ClientOptions);
  sessionId: string | null;
  lastSeq: number;
  on<T extends ServerEvent['type']>(type: T, handler: (event: EventOf<T>) => void): this;
  on(type: '*', handler: (event: ServerEvent) => void): this;
  on(type: 'status', handler: (event: StatusEvent) => void): this;
  connect(): Promise<ServerEvent>;
  /** `replaceLast`: the message replaces the last turn's (edit and resend, regenerate); the kernel keeps its state. */
  send(text: string, options?: Sampling, extra?: { replaceLast?: boolean }): void;
  tool(spec: ToolSpec, handler: (args: any, call: EventOf<'tool_call'>) => any): this;
  cancel(): void;
  ping(id: string): void;
  close(): void;
}
