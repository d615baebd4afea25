// Runs the worker against a real taskqueue server. The test suite (tests/e2e) starts the
// server and passes its address in TASKQUEUE_TEST_SERVER.
import { test } from "node:test";
import * as assert from "node:assert/strict";
import type { Task__Output } from "../../../gen/ts/taskqueue/v1/Task";
import type { Task__Output as AnyTask } from "../../../gen/ts/taskqueue/v1/Task";
import { connect, Worker } from "../src/worker";

const address = process.env.TASKQUEUE_TEST_SERVER;

function call<T>(send: (done: (error: Error | null, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => send((error, value) => (error ? reject(error) : resolve(value as T))));
}

test("every task the worker is given ends completed, or failed when the handler throws", { skip: address === undefined }, async () => {
  const client = connect(address!);
  const directory = `/srv/ts-test-${process.pid}`;
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    const created = await call<{ task: AnyTask | null }>((done) =>
      client.CreateTask({ work_directory: directory, prompt: i === 13 ? "explode" : `task ${i}` }, done));
    ids.push(created.task!.id);
  }
  const seen: string[] = [];
  const worker = new Worker(client, async (task: Task__Output) => {
    seen.push(task.id);
    if (task.prompt === "explode") throw new Error("the handler blew up");
    return { echo: task.prompt, n: 1 };
  }, { workerId: "ts-test", workDirectory: directory, maxInFlight: 4, log: () => {} });
  const running = worker.run();
  while (worker.completed + worker.failed < 20) await new Promise((r) => setTimeout(r, 20));
  worker.stop();
  await running;
  assert.equal(new Set(seen).size, 20);
  for (const id of ids) {
    const got = await call<{ task: AnyTask | null }>((done) => client.GetTask({ task_id: id }, done));
    const task = got.task!;
    if (task.prompt === "explode") {
      assert.equal(task.state, "TASK_STATE_FAILED");
      assert.match(task.error, /the handler blew up/);
    } else {
      assert.equal(task.state, "TASK_STATE_COMPLETED");
      assert.equal(task.result!.fields.echo.stringValue, task.prompt);
    }
  }
  client.close();
});
