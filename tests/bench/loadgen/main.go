// Command loadgen is make bench's unary load generator: CreateTask, BatchCreateTasks or
// GetTask calls from c goroutines over a few connections, for a fixed time, closed loop or
// paced to a rate, with one JSON line of results on stdout.
//
// It exists because ghz spent ~345 µs of CPU per call on this 2-core VM (dynamic messages
// built from JSON for every call), as much as the Python server it measures spends
// serving one: the generator ate the server's core. Generated stubs and one request
// built once cost a fraction of that.
//
//	loadgen -addr 127.0.0.1:50051 -call CreateTask -c 64 -connections 4 -duration 3s
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	pb "github.com/taskqueue/taskqueue/gen/go/taskqueue/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

type result struct {
	OpsPerS     float64        `json:"ops_per_s"`
	TasksPerS   float64        `json:"tasks_per_s"`
	Calls       int            `json:"calls"`
	P50Ms       float64        `json:"p50_ms"`
	P95Ms       float64        `json:"p95_ms"`
	P99Ms       float64        `json:"p99_ms"`
	Errors      int            `json:"errors"`
	ErrorKinds  map[string]int `json:"error_kinds,omitempty"`
	LatenciesMs []float64      `json:"latencies_ms,omitempty"`
}

type worker struct {
	latencies []float64
	errors    map[string]int
}

func main() {
	addr := flag.String("addr", "", "server address, host:port")
	call := flag.String("call", "CreateTask", "CreateTask, BatchCreateTasks or GetTask")
	batch := flag.Int("batch", 100, "tasks per BatchCreateTasks call")
	taskID := flag.String("task-id", "", "the task GetTask reads")
	concurrency := flag.Int("c", 1, "calls in flight (one goroutine each)")
	connections := flag.Int("connections", 1, "HTTP/2 connections the goroutines share")
	duration := flag.Duration("duration", 3*time.Second, "how long to send")
	rate := flag.Float64("rps", 0, "calls per second in all; 0: as fast as answers come")
	token := flag.String("token", "", "bearer token sent with every call")
	details := flag.Bool("details", false, "print every latency too")
	flag.Parse()
	if *addr == "" || *concurrency < 1 || *connections < 1 || *batch < 1 {
		fmt.Fprintln(os.Stderr, "loadgen: -addr is required; -c, -connections and -batch must be >= 1")
		os.Exit(2)
	}

	stubs := make([]pb.TaskQueueServiceClient, *connections)
	for i := range stubs {
		conn, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(1)
		}
		defer conn.Close()
		stubs[i] = pb.NewTaskQueueServiceClient(conn)
	}
	ctx := context.Background()
	if *token != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+*token)
	}
	create := &pb.CreateTaskRequest{
		WorkDirectory: "/home/user/project",
		Prompt:        "Analyse the performance problems in this codebase",
		Priority:      pb.Priority_PRIORITY_HIGH,
		Tags:          []string{"performance"},
	}
	get := &pb.GetTaskRequest{TaskId: *taskID}
	many := &pb.BatchCreateTasksRequest{}
	perCall := 1
	switch *call {
	case "CreateTask", "GetTask":
	case "BatchCreateTasks":
		for range *batch {
			many.Requests = append(many.Requests, create)
		}
		perCall = *batch
	default:
		fmt.Fprintln(os.Stderr, "loadgen: -call must be CreateTask, BatchCreateTasks or GetTask")
		os.Exit(2)
	}
	invoke := func(stub pb.TaskQueueServiceClient) error {
		var err error
		switch *call {
		case "GetTask":
			_, err = stub.GetTask(ctx, get)
		case "BatchCreateTasks":
			_, err = stub.BatchCreateTasks(ctx, many)
		default:
			_, err = stub.CreateTask(ctx, create)
		}
		return err
	}
	for _, stub := range stubs { // connect every connection before the clock starts
		if err := invoke(stub); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen: first call failed:", err)
			os.Exit(1)
		}
	}

	start := time.Now()
	end := start.Add(*duration)
	var slot atomic.Int64 // paced mode: the next call's place in the schedule
	workers := make([]worker, *concurrency)
	var done atomic.Int64 // calls answered before the end
	var wg sync.WaitGroup
	for i := range workers {
		wg.Add(1)
		go func(w *worker, stub pb.TaskQueueServiceClient) {
			defer wg.Done()
			w.errors = map[string]int{}
			for {
				if *rate > 0 {
					due := start.Add(time.Duration(float64(slot.Add(1)-1) / *rate * 1e9))
					if !due.Before(end) {
						return
					}
					time.Sleep(time.Until(due))
				} else if !time.Now().Before(end) {
					return
				}
				sent := time.Now()
				err := invoke(stub)
				answered := time.Now()
				if err != nil {
					w.errors[status.Code(err).String()+": "+status.Convert(err).Message()]++
					continue
				}
				w.latencies = append(w.latencies, float64(answered.Sub(sent))/1e6)
				if answered.Before(end) {
					done.Add(1)
				}
			}
		}(&workers[i], stubs[i%len(stubs)])
	}
	wg.Wait()

	out := result{ErrorKinds: map[string]int{}}
	var every []float64
	for _, w := range workers {
		every = append(every, w.latencies...)
		for kind, n := range w.errors {
			out.ErrorKinds[kind] += n
			out.Errors += n
		}
	}
	slices.Sort(every)
	out.Calls = len(every)
	out.OpsPerS = float64(done.Load()) / duration.Seconds()
	out.TasksPerS = out.OpsPerS * float64(perCall) // tasks created (read) a second
	out.P50Ms, out.P95Ms, out.P99Ms = pct(every, 50), pct(every, 95), pct(every, 99)
	if *details {
		out.LatenciesMs = every
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		os.Exit(1)
	}
}

// pct is the nearest-rank percentile of sorted values (0 when there are none).
func pct(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Round(p / 100 * float64(len(sorted)-1)))
	return sorted[i]
}
