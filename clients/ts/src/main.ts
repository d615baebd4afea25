#!/usr/bin/env node
// taskqueue-worker-ts: takes tasks over WatchNext and runs a command for each, in the task's
// work directory with the prompt on stdin. Exit status 0 completes the task with
// {exit_status: 0, output}; anything else fails it with the output.
//
//   node dist/clients/ts/src/main.js --server 127.0.0.1:50051 --worker-id ts-1 -- ./run.sh
import * as grpc from "@grpc/grpc-js";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { parseArgs } from "node:util";
import type { Task__Output } from "../../../gen/ts/taskqueue/v1/Task";
import { connect, Result, Worker } from "./worker";

function runCommand(command: string[]): (task: Task__Output) => Promise<Result> {
  return (task) =>
    new Promise((resolve, reject) => {
      const dir = task.work_directory;
      const cwd = existsSync(dir) && statSync(dir).isDirectory() ? dir : undefined;
      const child = spawn(command[0], command.slice(1), {
        cwd,
        env: { ...process.env, TASKQUEUE_TASK_ID: task.id },
        stdio: ["pipe", "pipe", "pipe"],
      });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.on("error", (error) => reject(error));
      child.on("close", (code) => {
        const text = output.slice(-60000);
        if (code === 0) resolve({ exit_status: 0, output: text });
        else reject(new Error(`exit status ${code}: ${text}`));
      });
      child.stdin.end(task.prompt);
    });
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      server: { type: "string", default: process.env.TASKQUEUE_SERVER ?? "127.0.0.1:50051" },
      token: { type: "string", default: process.env.TASKQUEUE_TOKEN ?? "" },
      "tls-ca": { type: "string", default: "" },
      "worker-id": { type: "string", default: "ts-worker" },
      directory: { type: "string", default: "" },
      "max-in-flight": { type: "string", default: "1" },
      "lease-seconds": { type: "string", default: "0" },
    },
  });
  if (positionals.length === 0) {
    process.stderr.write("usage: taskqueue-worker-ts [options] -- COMMAND [ARGS...]\n");
    process.exit(2);
  }
  const credentials = values["tls-ca"]
    ? grpc.credentials.createSsl(readFileSync(values["tls-ca"]))
    : grpc.credentials.createInsecure();
  const client = connect(values.server!, credentials);
  const worker = new Worker(client, runCommand(positionals), {
    workerId: values["worker-id"]!,
    workDirectory: values.directory,
    maxInFlight: Number(values["max-in-flight"]),
    leaseSeconds: Number(values["lease-seconds"]),
    token: values.token,
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => worker.stop());
  process.stderr.write(`worker ${values["worker-id"]} waiting for tasks from ${values.server}\n`);
  try {
    await worker.run();
  } finally {
    client.close();
  }
  process.stderr.write(`stopped: ${worker.completed} completed, ${worker.failed} failed\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as grpc.ServiceError).details ?? error}\n`);
  process.exit(1);
});
