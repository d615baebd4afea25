// A taskqueue worker on @grpc/grpc-js: one WatchNext stream, a handler per pushed task,
// CompleteTask/FailTask with the lease token and the original prompt, reconnect with
// jittered backoff when the stream breaks. Types come from gen/ts (proto-loader-gen-types).
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import * as path from "node:path";
import type { ProtoGrpcType } from "../../../gen/ts/taskqueue_service";
import type { TaskQueueServiceClient } from "../../../gen/ts/taskqueue/v1/TaskQueueService";
import type { Task__Output } from "../../../gen/ts/taskqueue/v1/Task";
import type { WatchNextResponse__Output } from "../../../gen/ts/taskqueue/v1/WatchNextResponse";
import type { Value } from "../../../gen/ts/google/protobuf/Value";

/** What a handler returns: a JSON-like object stored as the task's result. */
export type Result = { [key: string]: string | number | boolean | null };
/** Does one task; throwing fails the task with the error's message. */
export type Handler = (task: Task__Output) => Promise<Result>;

export interface WorkerOptions {
  workerId: string;
  workDirectory?: string;
  tags?: string[];
  maxInFlight?: number;
  leaseSeconds?: number;
  token?: string;
  log?: (line: string) => void;
}

/** The directory of the .proto files: TASKQUEUE_PROTO_DIR, else the repository's proto/. */
export function protoDir(): string {
  return process.env.TASKQUEUE_PROTO_DIR ?? path.resolve(__dirname, "../../../../../../proto");
}

/** A typed client of taskqueue.v1.TaskQueueService. */
export function connect(address: string, credentials?: grpc.ChannelCredentials): TaskQueueServiceClient {
  const definition = protoLoader.loadSync("taskqueue/v1/taskqueue_service.proto", {
    includeDirs: [protoDir()],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  return new loaded.taskqueue.v1.TaskQueueService(
    address,
    credentials ?? grpc.credentials.createInsecure(),
  );
}

function toValue(value: string | number | boolean | null): Value {
  if (value === null) return { nullValue: "NULL_VALUE" };
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "number") return { numberValue: value };
  return { boolValue: value };
}

/** The result as a google.protobuf.Struct. */
export function toStruct(result: Result): { fields: { [key: string]: Value } } {
  const fields: { [key: string]: Value } = {};
  for (const [key, value] of Object.entries(result)) fields[key] = toValue(value);
  return { fields };
}

const RETRYABLE = new Set([
  grpc.status.UNAVAILABLE, grpc.status.INTERNAL, grpc.status.UNKNOWN,
  grpc.status.DEADLINE_EXCEEDED, grpc.status.RESOURCE_EXHAUSTED, grpc.status.ABORTED,
  grpc.status.OK,
]);

export class Worker {
  completed = 0;
  failed = 0;
  private stopping = false;
  private stream?: grpc.ClientReadableStream<WatchNextResponse__Output>;
  private readonly running = new Set<Promise<void>>();
  private wake?: () => void;

  constructor(
    private readonly client: TaskQueueServiceClient,
    private readonly handler: Handler,
    private readonly options: WorkerOptions,
  ) {}

  private metadata(): grpc.Metadata {
    const metadata = new grpc.Metadata();
    if (this.options.token) metadata.set("authorization", `Bearer ${this.options.token}`);
    return metadata;
  }

  private log(line: string): void {
    (this.options.log ?? ((l: string) => process.stderr.write(`${l}\n`)))(line);
  }

  /** Works until stop(); then waits for the handlers running. Rejects on an error that
   * retrying cannot cure (bad credentials, a refused request). */
  async run(): Promise<void> {
    let backoff = 200;
    while (!this.stopping) {
      const { received, error } = await this.watchOnce();
      if (this.stopping) break;
      if (received) backoff = 200;
      if (error && !RETRYABLE.has(error.code)) {
        await Promise.all(this.running);
        throw error;
      }
      const sleep = backoff / 2 + Math.random() * (backoff / 2);
      this.log(`stream ended (${error?.details ?? "closed"}); reconnecting in ${Math.round(sleep)} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, sleep);
        this.wake = () => { clearTimeout(timer); resolve(); };
      });
      backoff = Math.min(backoff * 2, 5000);
    }
    await Promise.all(this.running);
  }

  /** Stops taking tasks; run() resolves once the running handlers have reported. */
  stop(): void {
    this.stopping = true;
    this.stream?.cancel();
    this.wake?.();
  }

  private watchOnce(): Promise<{ received: boolean; error?: grpc.ServiceError }> {
    return new Promise((resolve) => {
      let received = false;
      const request = {
        worker_id: this.options.workerId,
        work_directory: this.options.workDirectory ?? "",
        tags: this.options.tags ?? [],
        max_in_flight: this.options.maxInFlight ?? 1,
        ...(this.options.leaseSeconds ? { lease_duration: { seconds: Math.floor(this.options.leaseSeconds), nanos: Math.round((this.options.leaseSeconds % 1) * 1e9) } } : {}),
      };
      const stream = this.client.WatchNext(request, this.metadata());
      this.stream = stream;
      stream.on("data", (pushed: WatchNextResponse__Output) => {
        received = true;
        const job = this.work(pushed).finally(() => this.running.delete(job));
        this.running.add(job);
      });
      stream.on("error", (error: grpc.ServiceError) => resolve({ received, error }));
      stream.on("end", () => resolve({ received }));
    });
  }

  private async work(pushed: WatchNextResponse__Output): Promise<void> {
    const task = pushed.task;
    if (task === null) return;
    let result: Result | undefined;
    let failure: string | undefined;
    try {
      result = await this.handler(task);
    } catch (error) {
      failure = (error instanceof Error ? error.message : String(error)).slice(0, 60000);
    }
    const common = { task_id: task.id, lease_token: pushed.lease_token, original_prompt: task.prompt };
    try {
      if (result !== undefined) {
        await this.report((done) => this.client.CompleteTask({ ...common, result: toStruct(result) }, this.metadata(), done));
        this.completed += 1;
        this.log(`${task.id}: completed`);
      } else {
        await this.report((done) => this.client.FailTask({ ...common, error: failure ?? "failed" }, this.metadata(), done));
        this.failed += 1;
        this.log(`${task.id}: failed`);
      }
    } catch (error) {
      this.log(`${task.id}: could not report it: ${(error as grpc.ServiceError).details ?? error}`);
    }
  }

  /** Sends a report, retrying while the server is unavailable (a restart); the lease token
   * makes a repeat harmless. */
  private async report(send: (done: (error: grpc.ServiceError | null) => void) => void): Promise<void> {
    let backoff = 100;
    for (let attempt = 0; ; attempt++) {
      const error = await new Promise<grpc.ServiceError | null>((resolve) => send((e) => resolve(e)));
      if (error === null) return;
      if (error.code !== grpc.status.UNAVAILABLE || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoff));
      backoff = Math.min(backoff * 2, 2000);
    }
  }
}
