package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"testing"
	"time"

	taskqueuev1 "github.com/taskqueue/taskqueue/gen/go/taskqueue/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
)

// TestWorkerAgainstServer runs the worker against a real taskqueue server, which the test
// suite (tests/e2e/test_workers.py) starts and names in TASKQUEUE_TEST_SERVER.
func TestWorkerAgainstServer(t *testing.T) {
	address := os.Getenv("TASKQUEUE_TEST_SERVER")
	if address == "" {
		t.Skip("TASKQUEUE_TEST_SERVER is not set (make test sets it)")
	}
	conn, err := grpc.NewClient(address, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := taskqueuev1.NewTaskQueueServiceClient(conn)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	directory := fmt.Sprintf("/srv/go-test-%d", os.Getpid())
	var ids []string
	for i := range 20 {
		prompt := fmt.Sprintf("task %d", i)
		if i == 13 {
			prompt = "explode"
		}
		created, err := client.CreateTask(ctx, &taskqueuev1.CreateTaskRequest{
			WorkDirectory: directory, Prompt: prompt,
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, created.GetTask().GetId())
	}
	seen := make(chan string, 100)
	handler := func(_ context.Context, task *taskqueuev1.Task) (map[string]any, error) {
		seen <- task.GetId()
		if task.GetPrompt() == "explode" {
			return nil, errors.New("the handler blew up")
		}
		return map[string]any{"echo": task.GetPrompt()}, nil
	}
	w := New(conn, Config{WorkerID: "go-test", WorkDirectory: directory, MaxInFlight: 4,
		Logger: log.New(io.Discard, "", 0)}, handler)
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- w.Run(runCtx) }()
	unique := map[string]bool{}
	for len(unique) < 20 {
		select {
		case id := <-seen:
			unique[id] = true
		case <-ctx.Done():
			t.Fatalf("only %d of 20 tasks were delivered", len(unique))
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if w.Completed != 19 || w.Failed != 1 {
		t.Fatalf("completed %d, failed %d; want 19 and 1", w.Completed, w.Failed)
	}
	for _, id := range ids {
		got, err := client.GetTask(ctx, &taskqueuev1.GetTaskRequest{TaskId: id})
		if err != nil {
			t.Fatal(err)
		}
		task := got.GetTask()
		if task.GetPrompt() == "explode" {
			if task.GetState() != taskqueuev1.TaskState_TASK_STATE_FAILED {
				t.Errorf("%s: %v, want FAILED", id, task.GetState())
			}
			continue
		}
		if task.GetState() != taskqueuev1.TaskState_TASK_STATE_COMPLETED {
			t.Errorf("%s: %v, want COMPLETED", id, task.GetState())
		}
		if echo := task.GetResult().GetFields()["echo"].GetStringValue(); echo != task.GetPrompt() {
			t.Errorf("%s: result echo %q, want %q", id, echo, task.GetPrompt())
		}
	}
}
