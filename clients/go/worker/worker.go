// Package worker runs a handler on every task a taskqueue server pushes over WatchNext.
//
// A Worker keeps one WatchNext stream open, runs the handler for each pushed task (the server
// sends at most MaxInFlight at a time, and renews their leases while the stream is open),
// completes the task with the handler's result or fails it with its error, always showing
// the lease token and the original prompt back. When the stream breaks (server restart,
// network), it reconnects with jittered exponential backoff; tasks whose stream is gone are
// still reported with their lease token, and the server refuses a report whose lease was lost
// (FAILED_PRECONDITION LEASE_LOST), so no task is completed twice.
package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"sync"
	"time"

	taskqueuev1 "github.com/taskqueue/taskqueue/gen/go/taskqueue/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Handler does the work of one task. A nil error completes the task with result;
// an error fails it with the error's text.
type Handler func(ctx context.Context, task *taskqueuev1.Task) (result map[string]any, err error)

// Config says which tasks to take and how.
type Config struct {
	WorkerID      string
	WorkDirectory string // only tasks of this directory; "" for any
	Tags          []string
	MaxInFlight   int32
	Lease         time.Duration // 0: the server's default
	Token         string        // API key or JWT, sent as "authorization: Bearer <token>"
	Logger        *log.Logger
}

// Worker takes tasks over WatchNext and runs Handler on each.
type Worker struct {
	client  taskqueuev1.TaskQueueServiceClient
	cfg     Config
	handler Handler
	wg      sync.WaitGroup

	mu        sync.Mutex
	Completed int
	Failed    int
}

// New returns a worker on conn.
func New(conn grpc.ClientConnInterface, cfg Config, handler Handler) *Worker {
	if cfg.MaxInFlight <= 0 {
		cfg.MaxInFlight = 1
	}
	if cfg.Logger == nil {
		cfg.Logger = log.Default()
	}
	return &Worker{client: taskqueuev1.NewTaskQueueServiceClient(conn), cfg: cfg, handler: handler}
}

func (w *Worker) withToken(ctx context.Context) context.Context {
	if w.cfg.Token == "" {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+w.cfg.Token)
}

// Run works until ctx is cancelled, then waits for the handlers already running (their
// tasks are still reported) and returns. Errors that retrying cannot cure (bad credentials,
// a refused request) end it with that error.
func (w *Worker) Run(ctx context.Context) error {
	defer w.wg.Wait()
	backoff := 200 * time.Millisecond
	for {
		received, err := w.watch(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if received {
			backoff = 200 * time.Millisecond
		}
		switch status.Code(err) {
		case codes.Unavailable, codes.Internal, codes.Unknown, codes.DeadlineExceeded,
			codes.ResourceExhausted, codes.Aborted, codes.OK:
		default:
			return fmt.Errorf("watching for tasks: %w", err)
		}
		sleep := backoff/2 + rand.N(backoff/2+1)
		w.cfg.Logger.Printf("stream ended (%v); reconnecting in %v", err, sleep.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(sleep):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// watch keeps one WatchNext stream until it ends; whether it delivered anything.
func (w *Worker) watch(ctx context.Context) (bool, error) {
	streamCtx, cancel := context.WithCancel(w.withToken(ctx))
	defer cancel()
	request := &taskqueuev1.WatchNextRequest{
		WorkerId:      w.cfg.WorkerID,
		WorkDirectory: w.cfg.WorkDirectory,
		Tags:          w.cfg.Tags,
		MaxInFlight:   w.cfg.MaxInFlight,
	}
	if w.cfg.Lease > 0 {
		request.LeaseDuration = durationpb.New(w.cfg.Lease)
	}
	stream, err := w.client.WatchNext(streamCtx, request)
	if err != nil {
		return false, err
	}
	received := false
	for {
		pushed, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return received, nil
		}
		if err != nil {
			return received, err
		}
		received = true
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			w.work(ctx, pushed)
		}()
	}
}

func (w *Worker) work(ctx context.Context, pushed *taskqueuev1.WatchNextResponse) {
	task := pushed.GetTask()
	result, err := w.handler(ctx, task)
	// Report even when ctx is cancelled (we are stopping): the work is done.
	reportCtx, cancel := context.WithTimeout(w.withToken(context.Background()), 30*time.Second)
	defer cancel()
	if err == nil {
		var value *structpb.Struct
		if value, err = structpb.NewStruct(result); err != nil {
			err = fmt.Errorf("the handler's result cannot be sent: %w", err)
		} else {
			err = w.report(reportCtx, func(c context.Context) error {
				_, e := w.client.CompleteTask(c, &taskqueuev1.CompleteTaskRequest{
					TaskId: task.GetId(), LeaseToken: pushed.GetLeaseToken(),
					OriginalPrompt: task.GetPrompt(), Result: value,
				})
				return e
			})
			w.count(err == nil, true)
			w.logReport(task, "completed", err)
			return
		}
	}
	message := err.Error()
	if len(message) > 60000 {
		message = message[:60000]
	}
	err = w.report(reportCtx, func(c context.Context) error {
		_, e := w.client.FailTask(c, &taskqueuev1.FailTaskRequest{
			TaskId: task.GetId(), LeaseToken: pushed.GetLeaseToken(),
			OriginalPrompt: task.GetPrompt(), Error: message,
		})
		return e
	})
	w.count(err == nil, false)
	w.logReport(task, "failed", err)
}

// report sends a completion or failure, retrying while the server is unavailable (a
// restart): the lease token makes a repeat harmless.
func (w *Worker) report(ctx context.Context, send func(context.Context) error) error {
	backoff := 100 * time.Millisecond
	for {
		err := send(ctx)
		if status.Code(err) != codes.Unavailable {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

func (w *Worker) count(ok, completed bool) {
	if !ok {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if completed {
		w.Completed++
	} else {
		w.Failed++
	}
}

func (w *Worker) logReport(task *taskqueuev1.Task, what string, err error) {
	if err != nil {
		w.cfg.Logger.Printf("%s: could not report it %s: %v", task.GetId(), what, err)
		return
	}
	w.cfg.Logger.Printf("%s: %s", task.GetId(), what)
}
